#pragma once
// A generation request as the simulator needs it, parsed from the body of
// /api/generate, /api/chat, /v1/chat/completions or /v1/completions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chimera/sim/scheduler.hpp"
#include "chimera/util/error.hpp"

namespace chimera::sim {

enum class Api { kGenerate, kChat, kChatCompletions, kCompletions };
const char* to_string(Api api);
inline bool is_ollama(Api api) {
  return api == Api::kGenerate || api == Api::kChat;
}

struct GenerationRequest {
  Api api = Api::kGenerate;
  std::string model;  // as sent, fault suffix included
  bool stream = true;
  std::string prompt_text;  // what the model reads (chat: "role: content" lines)
  std::int64_t prompt_tokens = 0;
  std::optional<std::int64_t> max_tokens;  // num_predict / max_tokens
  std::optional<std::uint64_t> seed;
  bool include_usage = false;  // OpenAI stream_options.include_usage
  LoadOptions load_options;
  std::optional<double> keep_alive_s;
  bool load_only = false;  // Ollama: empty prompt or no messages loads/unloads the model
};

Expected<GenerationRequest> parse_generation_request(Api api, std::string_view body);

}  // namespace chimera::sim
