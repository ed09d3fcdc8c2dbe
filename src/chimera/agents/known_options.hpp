#pragma once
// The server options Chimera knows (Ollama's and the OpenAI-compatible
// sampling options), each with its type and range, so that `num_ctx: -1024`,
// `temperature: .nan` or `--num-ctx abc` is refused with the option named
// instead of being sent. Options Chimera does not know pass through untouched.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace chimera::agents {

// Why `value` is not a valid value of the known option `name` ("num_ctx:
// -1024 is out of range: 1 to 16777216"); nothing when it is valid or `name`
// is not a known option.
std::optional<std::string> check_known_option(std::string_view name, const nlohmann::json& value);

// Every known option in an options object; the first problem found.
std::optional<std::string> check_known_options(const nlohmann::json& options);

}  // namespace chimera::agents
