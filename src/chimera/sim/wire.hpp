#pragma once
// Byte-exact pieces of the Ollama and OpenAI wire formats. Token lines are
// formatted by hand (not through a JSON DOM) because they are the hot path.

#include <cstdint>
#include <string>
#include <string_view>

#include "chimera/sim/request.hpp"

namespace chimera::sim {

// Server-measured statistics, in nanoseconds as Ollama reports them.
struct WireStats {
  std::int64_t total_ns = 0;
  std::int64_t load_ns = 0;
  std::int64_t prompt_eval_count = 0;
  std::int64_t prompt_eval_ns = 0;
  std::int64_t eval_count = 0;
  std::int64_t eval_ns = 0;
};

// Go's RFC3339Nano in UTC: "2024-05-01T12:00:00.123456789Z", trailing zeros trimmed.
std::string rfc3339_now();
void append_json_string(std::string& out, std::string_view text);

// One HTTP/1.1 chunk (size line, payload, CRLF) appended to `out`.
void append_http_chunk(std::string& out, std::string_view payload);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// --- Ollama (NDJSON lines, each ending in '\n') ---
struct OllamaFinal {
  std::string_view model;
  std::string_view created_at;
  std::string_view text;  // empty in a stream's final line
  std::string_view done_reason;
  WireStats stats;
  std::uint64_t context_seed = 0;  // the generate API returns a `context` of token ids
  bool with_context = true;
};
void append_ollama_token(std::string& out, Api api, std::string_view model,
                         std::string_view created_at, std::string_view token);
void append_ollama_final(std::string& out, Api api, const OllamaFinal& final_line);
std::string ollama_error(std::string_view message);

// --- OpenAI (SSE events "data: ...\n\n", and whole responses) ---
struct OpenAiIds {
  std::string id;  // chatcmpl-N / cmpl-N
  std::int64_t created = 0;
  std::string_view model;
};
void append_sse(std::string& out, std::string_view json);
// A content chunk; role_chunk makes the first chat chunk (role + empty content).
std::string openai_chunk(Api api, const OpenAiIds& ids, std::string_view token, bool role_chunk,
                         bool usage_null);
std::string openai_finish_chunk(Api api, const OpenAiIds& ids, std::string_view finish_reason,
                                bool usage_null);
std::string openai_usage_chunk(Api api, const OpenAiIds& ids, std::int64_t prompt_tokens,
                               std::int64_t completion_tokens);
std::string openai_response(Api api, const OpenAiIds& ids, std::string_view text,
                            std::string_view finish_reason, std::int64_t prompt_tokens,
                            std::int64_t completion_tokens);
std::string openai_error(std::string_view message, std::string_view type, std::string_view code);

}  // namespace chimera::sim
