#include "chimera/agents/known_options.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "chimera/util/json_text.hpp"

namespace chimera::agents {
namespace {

struct KnownOption {
  const char* name;
  bool whole;  // a whole number; otherwise any finite number
  double min;
  double max;
};

// 2^24 tokens: beyond every context window served today.
constexpr double kTokens = 16'777'216;

// Ranges as the servers document them: -1 means "the server decides" for
// num_gpu, "no limit" for num_predict and repeat_last_n; -2 "fill the
// context" for num_predict.
constexpr std::array<KnownOption, 20> kKnown{{
    {"num_ctx", true, 1, kTokens},
    {"num_gpu", true, -1, 1'000'000},
    {"num_predict", true, -2, kTokens},
    {"num_batch", true, 1, kTokens},
    {"num_keep", true, -1, kTokens},
    {"num_thread", true, 0, 100'000},
    {"max_tokens", true, 1, kTokens},
    {"min_tokens", true, 0, kTokens},
    {"top_k", true, 0, 1'000'000},
    {"repeat_last_n", true, -1, kTokens},
    {"seed", true, -9'007'199'254'740'991.0, 9'007'199'254'740'991.0},
    {"mirostat", true, 0, 2},
    {"temperature", false, 0, 100},
    {"top_p", false, 0, 1},
    {"min_p", false, 0, 1},
    {"typical_p", false, 0, 1},
    {"repeat_penalty", false, 0, 100},
    {"presence_penalty", false, -2, 2},
    {"frequency_penalty", false, -2, 2},
    {"mirostat_tau", false, 0, 100},
}};

std::string shown(const nlohmann::json& value) {
  return value.is_string() ? fmt::format("'{}'", value.get<std::string>()) : dump_json(value);
}

std::string range(const KnownOption& o) {
  return o.whole ? fmt::format("{} to {}", static_cast<std::int64_t>(o.min),
                               static_cast<std::int64_t>(o.max))
                 : fmt::format("{} to {}", o.min, o.max);
}

}  // namespace

std::optional<std::string> check_known_option(std::string_view name, const nlohmann::json& value) {
  for (const auto& o : kKnown) {
    if (name != o.name) continue;
    const char* kind = o.whole ? "a whole number" : "a number";
    if (!value.is_number()) {
      return fmt::format("{}: {} is not {} ({} takes {})", name, shown(value), kind, name,
                         range(o));
    }
    const double v = value.get<double>();
    if (!std::isfinite(v)) return fmt::format("{}: {} is not a finite number", name, shown(value));
    if (o.whole && !value.is_number_integer() && v != std::trunc(v)) {
      return fmt::format("{}: {} is not a whole number ({} takes {})", name, shown(value), name,
                         range(o));
    }
    if (v < o.min || v > o.max) {
      return fmt::format("{}: {} is out of range ({} takes {})", name, shown(value), name,
                         range(o));
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> check_known_options(const nlohmann::json& options) {
  if (!options.is_object()) return std::nullopt;
  for (const auto& [name, value] : options.items()) {
    if (auto problem = check_known_option(name, value)) return problem;
  }
  return std::nullopt;
}

}  // namespace chimera::agents
