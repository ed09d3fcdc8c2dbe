#pragma once
// Looking up personas, profiles, agents and scenarios by name, with one error
// wording for all of them: an unknown name lists the names that exist.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/util/error.hpp"

namespace chimera::agents {

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "a, b, c".
std::string join_names(const std::vector<std::string>& names);

// `items` have a `name`. Exact match first; then, with `ignore_case`, a match
// ignoring case. Fails with kNotFound: "unknown <what> 'x'; available <what>s: ...".
template <typename T>
Expected<T> find_by_name(const std::vector<T>& items, std::string_view name, std::string_view what,
                         bool ignore_case) {
  for (const auto& item : items) {
    if (item.name == name) return item;
  }
  if (ignore_case) {
    for (const auto& item : items) {
      if (equals_ignoring_case(item.name, name)) return item;
    }
  }
  std::vector<std::string> names;
  for (const auto& item : items) names.push_back(item.name);
  return fail(FailureKind::kNotFound, "unknown " + std::string(what) + " '" + std::string(name) +
                                          "'; available " + std::string(what) +
                                          "s: " + join_names(names));
}

}  // namespace chimera::agents
