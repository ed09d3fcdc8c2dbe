#include <simdjson.h>

#include "chimera/backends/stream_decoder.hpp"
#include "chimera/backends/stream_decoder_util.hpp"
#include "chimera/http/line_splitter.hpp"

namespace chimera::backends {
namespace {

bool has_tool_calls(simdjson::dom::object& message) {
  simdjson::dom::array calls;
  return message["tool_calls"].get(calls) == simdjson::SUCCESS && calls.size() > 0;
}

class OllamaDecoder final : public StreamDecoder {
 public:
  explicit OllamaDecoder(std::size_t max_line_bytes) : splitter_(max_line_bytes) {}

  http::BodyAction feed(std::string_view bytes, http::Clock::time_point at) override {
    bool token = false;
    bool complete = false;  // the bytes finished at least one line
    splitter_.feed(bytes, [&](std::string_view line) {
      complete = true;
      token |= decode_line(line, at);
    });
    if (splitter_.overflowed() && state_.error_kind.empty()) {
      mark_oversized(state_, splitter_.max_line_bytes(), "a line");
    }
    if (!state_.error_kind.empty()) return http::BodyAction::kStop;
    if (token) return http::BodyAction::kToken;
    return complete ? http::BodyAction::kContinue : http::BodyAction::kIncomplete;
  }

  void finish(http::Clock::time_point at) override {
    splitter_.finish([&](std::string_view line) { decode_line(line, at); });
  }

 private:
  // Returns true when the line carried generated text.
  bool decode_line(std::string_view line, http::Clock::time_point at) {
    if (!state_.error_kind.empty()) return false;  // nothing after an error counts
    simdjson::dom::element doc;
    simdjson::dom::object object;
    if (parse_stream_json(line, doc) != simdjson::SUCCESS || doc.get(object) != simdjson::SUCCESS) {
      mark_malformed(state_, line);
      return false;
    }
    ++state_.chunks;
    if (simdjson::dom::element error; object["error"].get(error) == simdjson::SUCCESS) {
      std::string_view message;
      if (error.get(message) != simdjson::SUCCESS &&
          error["message"].get(message) != simdjson::SUCCESS)
        message = "(no message)";
      mark_server_error(state_, message);
      return false;
    }
    std::string_view content;
    std::string_view thinking;
    bool tool_calls = false;
    if (object["response"].get(content) != simdjson::SUCCESS) content = {};
    if (object["thinking"].get(thinking) != simdjson::SUCCESS) thinking = {};
    if (simdjson::dom::object message; object["message"].get(message) == simdjson::SUCCESS) {
      if (message["content"].get(content) != simdjson::SUCCESS) content = {};
      if (std::string_view t; message["thinking"].get(t) == simdjson::SUCCESS) thinking = t;
      tool_calls = has_tool_calls(message);
    }
    const bool token = !content.empty() || !thinking.empty() || tool_calls;
    if (token) {
      state_.text_chunk_at.push_back(at);
      state_.text.append(content);
    }
    if (bool done = false; object["done"].get(done) == simdjson::SUCCESS && done) {
      read_final_stats(object);
    }
    return token;
  }

  // Ollama omits zero-valued fields (Go omitempty): absent means 0.
  void read_final_stats(simdjson::dom::object& object) {
    auto& s = state_.server;
    s.total_ms = nanoseconds_to_ms(int_field(object, "total_duration"));
    s.load_ms = nanoseconds_to_ms(int_field(object, "load_duration"));
    s.prompt_eval_count = int_field(object, "prompt_eval_count");
    s.prompt_eval_ms = nanoseconds_to_ms(int_field(object, "prompt_eval_duration"));
    s.eval_count = int_field(object, "eval_count");
    s.eval_ms = nanoseconds_to_ms(int_field(object, "eval_duration"));
    if (std::string_view reason; object["done_reason"].get(reason) == simdjson::SUCCESS) {
      s.done_reason = std::string(reason);
    }
    state_.finished = true;
  }

  http::LineSplitter splitter_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_ollama_decoder(std::size_t max_line_bytes) {
  return std::make_unique<OllamaDecoder>(max_line_bytes);
}

}  // namespace chimera::backends
