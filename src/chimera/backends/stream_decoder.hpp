#pragma once
// Turns a response body, fed in chunks split anywhere, into generated text with
// arrival times and the server's statistics. One decoder per wire format:
// Ollama's NDJSON and OpenAI's SSE. JSON is parsed with simdjson (DOM, which
// validates the whole chunk, so a broken one is caught, not half-read).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/http/client.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::backends {

struct StreamState {
  std::vector<http::Clock::time_point> text_chunk_at;  // chunks with non-empty generated text
  std::string text;
  measure::ServerStats server;
  bool finished = false;  // Ollama `done:true`; OpenAI `data: [DONE]` or a finish_reason
  // Set when the stream itself reports a failure: "malformed" or "server_error".
  std::string error_kind;
  std::string error_message;
  std::int64_t chunks = 0;  // JSON chunks decoded
};

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // kToken when the bytes completed a chunk with generated text, kContinue when
  // they completed chunks without text, kIncomplete when they completed none
  // (a line or event still arriving: the idle limit keeps running), kStop once
  // the stream has reported an error (the rest of it is not worth reading).
  virtual http::BodyAction feed(std::string_view bytes, http::Clock::time_point at) = 0;
  // End of body: interprets an unterminated last line.
  virtual void finish(http::Clock::time_point at) = 0;
  const StreamState& state() const { return state_; }
  StreamState& state() { return state_; }

 protected:
  StreamState state_;
};

// The longest line (NDJSON) or event (SSE) a decoder keeps; a longer one ends
// the stream as `malformed`, so memory stays bounded whatever a server sends.
inline constexpr std::size_t kDefaultMaxEventBytes = std::size_t{1} << 20;

// Ollama /api/generate (`response`) and /api/chat (`message.content`). A
// `thinking` field (top level or `message.thinking`) and `message.tool_calls`
// count as generated output for timing (Ollama counts those tokens in
// eval_count) but are not added to the answer text.
std::unique_ptr<StreamDecoder> make_ollama_decoder(
    std::size_t max_line_bytes = kDefaultMaxEventBytes);
// OpenAI /v1/chat/completions (`delta.content`) and /v1/completions (`text`).
// Reasoning (`delta.reasoning` in vLLM 0.19+, `delta.reasoning_content` in
// older vLLM, llama-server and LM Studio) and `delta.tool_calls` count as
// generated output for timing, not as answer text. A first chunk with only a
// role and empty content is not a token. With continuous usage statistics the
// last `usage` wins.
std::unique_ptr<StreamDecoder> make_openai_decoder(
    std::size_t max_event_bytes = kDefaultMaxEventBytes);

}  // namespace chimera::backends
