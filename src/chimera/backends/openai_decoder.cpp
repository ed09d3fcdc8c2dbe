#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "chimera/backends/stream_decoder.hpp"
#include "chimera/backends/stream_decoder_util.hpp"
#include "chimera/http/sse_parser.hpp"

namespace chimera::backends {
namespace {

class OpenAiDecoder final : public StreamDecoder {
 public:
  http::BodyAction feed(std::string_view bytes, http::Clock::time_point at) override {
    bool token = false;
    parser_.feed(bytes, [&](const http::SseEvent& event) { token |= decode_event(event, at); });
    if (!state_.error_kind.empty()) return http::BodyAction::kStop;
    return token ? http::BodyAction::kToken : http::BodyAction::kContinue;
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
    if (json_.parse(event.data.data(), event.data.size(), true).get(doc) != simdjson::SUCCESS ||
        doc.get(object) != simdjson::SUCCESS) {
      mark_malformed(state_, event.data);
      return false;
    }
    ++state_.chunks;
    if (simdjson::dom::element error;
        object["error"].get(error) == simdjson::SUCCESS && !error.is_null()) {
      std::string_view message;
      if (error.get(message) != simdjson::SUCCESS &&
          error["message"].get(message) != simdjson::SUCCESS) {
        message = "(no message)";
      }
      state_.error_kind = "server_error";
      state_.error_message = "the server reported an error mid-stream: " + std::string(message);
      return false;
    }
    bool token = false;
    // `choices` may be an array, empty (the usage chunk), null, or absent.
    if (simdjson::dom::array choices; object["choices"].get(choices) == simdjson::SUCCESS) {
      for (simdjson::dom::element choice : choices) token |= decode_choice(choice, at);
    }
    if (simdjson::dom::object usage; object["usage"].get(usage) == simdjson::SUCCESS) {
      state_.server.prompt_tokens = int_field(usage, "prompt_tokens");
      state_.server.completion_tokens = int_field(usage, "completion_tokens");
    }
    if (simdjson::dom::object timings; object["timings"].get(timings) == simdjson::SUCCESS) {
      state_.server.timings = nlohmann::json::parse(simdjson::minify(timings), nullptr, false);
    }
    return token;
  }

  bool decode_choice(simdjson::dom::element choice, http::Clock::time_point at) {
    std::string_view content;
    std::string_view reasoning;
    if (simdjson::dom::object delta; choice["delta"].get(delta) == simdjson::SUCCESS) {
      if (delta["content"].get(content) != simdjson::SUCCESS) content = {};
      if (delta["reasoning_content"].get(reasoning) != simdjson::SUCCESS) reasoning = {};
    } else if (choice["text"].get(content) != simdjson::SUCCESS) {
      content = {};
    }
    if (std::string_view reason; choice["finish_reason"].get(reason) == simdjson::SUCCESS) {
      state_.server.done_reason = std::string(reason);
      saw_finish_reason_ = true;
    }
    const bool token = !content.empty() || !reasoning.empty();
    if (token) {
      state_.text_chunk_at.push_back(at);
      state_.text.append(content);
    }
    return token;
  }

  http::SseParser parser_;
  simdjson::dom::parser json_;
  bool saw_finish_reason_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_openai_decoder() {
  return std::make_unique<OpenAiDecoder>();
}

}  // namespace chimera::backends
