#pragma once
// JSON as text for output: any invalid UTF-8 that reached a string (a server's
// bytes, a file name) becomes U+FFFD instead of aborting the whole output.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace chimera {

// `indent` < 0: one line; otherwise pretty-printed with that many spaces.
inline std::string dump_json(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

// Appends `text` as a JSON string literal, quotes included, the way dump_json
// writes strings (invalid UTF-8 as U+FFFD). For hot paths that write a
// document field by field instead of building an nlohmann::json first.
void append_json_string(std::string& out, std::string_view text);

}  // namespace chimera
