#include "chimera/measure/plausibility.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chimera::measure {
namespace {

// Whole numbers as such (counts), others with six significant digits.
std::string number(double value) {
  if (value > -1e15 && value < 1e15 && value == std::trunc(value)) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{:.6g}", value);
}

class Screen {
 public:
  Screen(RequestResult& result, const Timeline& timeline) : r_(result) {
    if (timeline.last_byte_ms) {
      span_ms_ = *timeline.last_byte_ms;
    } else if (!timeline.text_chunk_ms.empty()) {
      span_ms_ = timeline.text_chunk_ms.back();
    }
    chunks_ = static_cast<std::int64_t>(timeline.text_chunk_ms.size());
  }

  void run() {
    auto& s = r_.server;
    const std::pair<std::optional<std::int64_t>*, const char*> input_counts[] = {
        {&s.prompt_eval_count, "prompt_eval_count"},
        {&s.prompt_tokens, "prompt_tokens"},
        {&s.cached_tokens, "cached_tokens"}};
    for (const auto& [count, name] : input_counts) {
      if (*count && **count < 0) drop(*count, name, "is negative");
    }
    output_count(s.eval_count, "eval_count");
    output_count(s.completion_tokens, "completion_tokens");
    if (s.cached_tokens && s.prompt_tokens && *s.cached_tokens > *s.prompt_tokens) {
      drop(s.cached_tokens, "cached_tokens",
           fmt::format("is more than the {} prompt tokens", *s.prompt_tokens));
    }
    duration(s.load_ms, "load_ms");
    duration(s.prompt_eval_ms, "prompt_eval_ms");
    duration(s.eval_ms, "eval_ms");
    duration(s.total_ms, "total_ms");
    decode_rate();
    if (reasons_.empty()) return;
    std::string sentence;
    for (const auto& reason : reasons_) sentence += (sentence.empty() ? "" : "; ") + reason;
    const std::string prefix = "server statistics implausible: ";
    r_.server_warning =
        r_.server_warning.empty() ? prefix + sentence : r_.server_warning + "; " + sentence;
  }

 private:
  template <typename T>
  void drop(std::optional<T>& field, const char* name, const std::string& why) {
    if (!r_.server_implausible.is_object()) r_.server_implausible = nlohmann::json::object();
    r_.server_implausible[name] = *field;
    reasons_.push_back(fmt::format("{} {} {}", name, number(static_cast<double>(*field)), why));
    field.reset();
  }

  // Against the text chunks received: between one token per
  // kChunksPerTokenMax chunks and kTokensPerChunkMax tokens per chunk.
  void output_count(std::optional<std::int64_t>& count, const char* name) {
    if (!count) return;
    if (*count < 0) return drop(count, name, "is negative");
    const std::int64_t most = kTokensPerChunkMax * (chunks_ + 1);
    const std::int64_t least = chunks_ / kChunksPerTokenMax;
    if (*count > most || *count < least) {
      drop(count, name,
           fmt::format("for {} text chunk{} received (plausible: {} to {})", chunks_,
                       chunks_ == 1 ? "" : "s", least, most));
    }
  }

  // At least 0, and no longer than the exchange the client timed.
  void duration(std::optional<double>& ms, const char* name) {
    if (!ms) return;
    if (!(*ms >= 0)) return drop(ms, name, "is negative");
    if (!span_ms_) return;
    const double limit = *span_ms_ * (1 + kDurationToleranceFraction) + kDurationToleranceMs;
    if (*ms > limit) {
      drop(ms, name,
           fmt::format("is longer than the {} ms the client saw from sending the request to "
                       "the last byte (tolerance: 5% + 50 ms)",
                       number(*span_ms_)));
    }
  }

  // Tokens over eval_duration (the server's count, or the text chunks when it
  // gave none that is plausible): a rate no server reaches means the duration
  // is too short.
  void decode_rate() {
    auto& s = r_.server;
    // Ollama omits a zero duration: 0 means "not said", and no figure uses it.
    if (!s.eval_ms || *s.eval_ms <= 0) return;
    const std::int64_t tokens = s.eval_count ? *s.eval_count : chunks_;
    if (tokens <= 0) return;
    const double rate = static_cast<double>(tokens) / (*s.eval_ms / 1000);
    if (rate > kMaxDecodeTokensPerSecond) {
      drop(s.eval_ms, "eval_ms",
           fmt::format("for {} tokens would be a decode rate above {} tok/s", tokens,
                       number(kMaxDecodeTokensPerSecond)));
    }
  }

  RequestResult& r_;
  std::optional<double> span_ms_;
  std::int64_t chunks_ = 0;
  std::vector<std::string> reasons_;
};

}  // namespace

void screen_server_stats(RequestResult& result, const Timeline& timeline) {
  Screen(result, timeline).run();
}

}  // namespace chimera::measure
