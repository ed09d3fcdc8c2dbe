#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "chimera/backends/stream_decoder.hpp"
#include "chimera/backends/stream_decoder_util.hpp"
#include "chimera/http/sse_parser.hpp"

namespace chimera::backends {
namespace {

std::string_view string_or_empty(simdjson::dom::object& object, std::string_view key) {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return {};
  return value;
}

// An `error` member as a string or as {"message": ...}; empty when absent or null.
bool error_message_of(simdjson::dom::element error, std::string_view& message) {
  if (error.is_null()) return false;
  if (error.get(message) == simdjson::SUCCESS) return true;
  if (error["message"].get(message) != simdjson::SUCCESS) message = "(no message)";
  return true;
}

class OpenAiDecoder final : public StreamDecoder {
 public:
  explicit OpenAiDecoder(std::size_t max_event_bytes) : parser_(max_event_bytes) {}

  http::BodyAction feed(std::string_view bytes, http::Clock::time_point at) override {
    bool token = false;
    bool complete = false;  // the bytes finished at least one event
    parser_.feed(bytes, [&](const http::SseEvent& event) {
      complete = true;
      token |= decode_event(event, at);
    });
    if (parser_.overflowed() && state_.error_kind.empty()) {
      mark_oversized(state_, parser_.max_event_bytes(), "an event");
    }
    if (!state_.error_kind.empty()) return http::BodyAction::kStop;
    if (token) return http::BodyAction::kToken;
    return complete ? http::BodyAction::kContinue : http::BodyAction::kIncomplete;
  }

  void finish(http::Clock::time_point at) override {
    parser_.finish([&](const http::SseEvent& event) { decode_event(event, at); });
    // Some servers end with a finish_reason and close without `data: [DONE]`.
    if (saw_finish_reason_ && state_.error_kind.empty()) state_.finished = true;
  }

 private:
  bool decode_event(const http::SseEvent& event, http::Clock::time_point at) {
    if (!state_.error_kind.empty()) return false;
    if (event.data == "[DONE]") {
      state_.finished = true;
      return false;
    }
    simdjson::dom::element doc;
    simdjson::dom::object object;
    if (parse_stream_json(event.data, doc) != simdjson::SUCCESS ||
        doc.get(object) != simdjson::SUCCESS) {
      // `event: error` with a plain-text payload is still the server's error.
      if (event.type == "error") {
        mark_server_error(state_, event.data);
      } else {
        mark_malformed(state_, event.data);
      }
      return false;
    }
    ++state_.chunks;
    if (simdjson::dom::element error; object["error"].get(error) == simdjson::SUCCESS) {
      if (std::string_view message; error_message_of(error, message)) {
        mark_server_error(state_, message);
        return false;
      }
    }
    if (event.type == "error") {
      mark_server_error(state_, event.data);
      return false;
    }
    bool token = false;
    // `choices` may be an array, empty (the usage chunk), null, or absent.
    if (simdjson::dom::array choices; object["choices"].get(choices) == simdjson::SUCCESS) {
      for (simdjson::dom::element choice : choices) token |= decode_choice(choice, at);
    }
    // With continuous_usage_stats every chunk carries usage: the last one wins.
    if (simdjson::dom::object usage; object["usage"].get(usage) == simdjson::SUCCESS) {
      read_usage(usage);
    }
    if (simdjson::dom::object timings; object["timings"].get(timings) == simdjson::SUCCESS) {
      state_.server.timings = nlohmann::json::parse(simdjson::minify(timings), nullptr, false);
    }
    return token;
  }

  void read_usage(simdjson::dom::object& usage) {
    state_.server.prompt_tokens = int_field(usage, "prompt_tokens");
    state_.server.completion_tokens = int_field(usage, "completion_tokens");
    if (simdjson::dom::object details;
        usage["prompt_tokens_details"].get(details) == simdjson::SUCCESS) {
      if (simdjson::dom::element cached;
          details["cached_tokens"].get(cached) == simdjson::SUCCESS && !cached.is_null()) {
        state_.server.cached_tokens = int_field(details, "cached_tokens");
      }
    }
  }

  bool decode_choice(simdjson::dom::element choice, http::Clock::time_point at) {
    std::string_view content;
    bool other_output = false;  // reasoning or tool-call arguments
    if (simdjson::dom::object delta; choice["delta"].get(delta) == simdjson::SUCCESS) {
      content = string_or_empty(delta, "content");
      other_output = !string_or_empty(delta, "reasoning").empty() ||
                     !string_or_empty(delta, "reasoning_content").empty() ||
                     has_tool_call_output(delta);
    } else if (choice["text"].get(content) != simdjson::SUCCESS) {
      content = {};
    }
    if (std::string_view reason; choice["finish_reason"].get(reason) == simdjson::SUCCESS) {
      state_.server.done_reason = std::string(reason);
      saw_finish_reason_ = true;
    }
    const bool token = !content.empty() || other_output;
    if (token) {
      state_.text_chunk_at.push_back(at);
      state_.text.append(content);
    }
    return token;
  }

  // A tool-call delta names a function or carries a piece of its arguments.
  static bool has_tool_call_output(simdjson::dom::object& delta) {
    simdjson::dom::array calls;
    if (delta["tool_calls"].get(calls) != simdjson::SUCCESS) return false;
    for (simdjson::dom::element call : calls) {
      simdjson::dom::object function;
      if (call["function"].get(function) != simdjson::SUCCESS) continue;
      if (!string_or_empty(function, "name").empty() ||
          !string_or_empty(function, "arguments").empty())
        return true;
    }
    return false;
  }

  http::SseParser parser_;
  bool saw_finish_reason_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_openai_decoder(std::size_t max_event_bytes) {
  return std::make_unique<OpenAiDecoder>(max_event_bytes);
}

}  // namespace chimera::backends
