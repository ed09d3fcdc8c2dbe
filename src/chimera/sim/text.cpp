#include "chimera/sim/text.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>

#include "chimera/sim/timing.hpp"

namespace chimera::sim {
namespace {

constexpr std::array kSections{"Key Findings",        "Recommendations",       "Detailed Analysis",
                               "Performance Metrics", "Risks and Limitations", "Next Steps"};
constexpr std::array kMetrics{"throughput",         "time to first token",   "decode rate",
                              "end-to-end latency", "GPU utilization",       "memory bandwidth",
                              "queue wait",         "prompt evaluation time"};
constexpr std::array kUnits{"tok/s", "ms", "%", "GB/s", "s"};
constexpr std::array kSubjects{"The baseline configuration", "The optimized profile",
                               "Concurrent execution",       "A larger context window",
                               "Full GPU offload",           "The second agent"};
constexpr std::array kVerbs{"improves", "reduces", "stabilizes", "increases", "degrades"};
constexpr std::array kActions{"Increase num_gpu to offload every layer",
                              "Keep num_ctx at the smallest size that fits the prompt",
                              "Run agents on separate servers to avoid contention",
                              "Repeat each measurement at least five times",
                              "Report cold and warm requests separately",
                              "Lower the temperature for reproducible reports"};

class Writer {
 public:
  Writer(std::uint64_t seed, std::vector<std::string> prompt_numbers)
      : rng_(seed), prompt_numbers_(std::move(prompt_numbers)) {}

  // Splits a line into word tokens (leading space attached) and lone
  // punctuation, the way a tokenizer streams pieces.
  void words(std::string_view line, bool leading_space = false) {
    bool first = !leading_space;
    while (!line.empty()) {
      const auto space = line.find(' ');
      std::string_view word = line.substr(0, space);
      line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
      if (word.empty()) continue;
      std::string_view tail;
      while (word.size() > 1 &&
             std::string_view(".,:;%").find(word.back()) != std::string_view::npos) {
        tail = std::string_view(word.data() + word.size() - 1, tail.size() + 1);
        word.remove_suffix(1);
      }
      std::string token;
      token.reserve(word.size() + 1);
      if (!first) token.push_back(' ');
      token.append(word);
      push(std::move(token));
      for (char c : tail) push(std::string(1, c));
      first = false;
    }
  }
  void newline(int count = 1) { push(std::string(static_cast<std::size_t>(count), '\n')); }

  std::string number() {
    // About one figure in three repeats a number from the prompt.
    if (!prompt_numbers_.empty() && rng_.below(3) == 0) {
      return prompt_numbers_[rng_.below(prompt_numbers_.size())];
    }
    const auto whole = 1 + rng_.below(999);
    return rng_.below(2) == 0 ? fmt::format("{}", whole)
                              : fmt::format("{}.{}", whole, rng_.below(100));
  }
  template <typename T, std::size_t N>
  const char* pick(const std::array<T, N>& items) {
    return items[rng_.below(N)];
  }

  void heading(std::string_view title) {
    push("##");
    words(title, true);
    newline(2);
  }
  void sentence() {
    words(fmt::format("{} {} {} to {} {}.", pick(kSubjects), pick(kVerbs), pick(kMetrics), number(),
                      pick(kUnits)));
  }
  void summary() {
    heading("Executive Summary");
    const auto count = 2 + rng_.below(2);
    for (std::uint64_t i = 0; i < count; ++i) {
      if (i > 0) push(" ");
      sentence();
    }
    newline(2);
  }
  void bullets() {
    const auto count = 3 + rng_.below(3);
    for (std::uint64_t i = 0; i < count; ++i) {
      push("-");
      words(
          fmt::format("{} {} {} by {}%.", pick(kSubjects), pick(kVerbs), pick(kMetrics), number()),
          true);
      newline();
    }
    newline();
  }
  void numbered() {
    const auto count = 3 + rng_.below(2);
    for (std::uint64_t i = 0; i < count; ++i) {
      push(fmt::format("{}.", i + 1));
      words(fmt::format("{}.", pick(kActions)), true);
      newline();
    }
    newline();
  }
  void table() {
    words("| Metric | Value | Unit |");
    newline();
    words("|---|---|---|");
    newline();
    const auto rows = 2 + rng_.below(3);
    for (std::uint64_t i = 0; i < rows; ++i) {
      words(fmt::format("| {} | {} | {} |", pick(kMetrics), number(), pick(kUnits)));
      newline();
    }
    newline();
  }
  void section(std::size_t index) {
    const char* title = kSections[index % kSections.size()];
    heading(title);
    switch (index % 3) {
      case 0:
        bullets();
        break;
      case 1:
        numbered();
        break;
      default:
        table();
        break;
    }
  }

  std::vector<std::string>& tokens() { return tokens_; }

 private:
  void push(std::string token) { tokens_.push_back(std::move(token)); }
  Random rng_;
  std::vector<std::string> prompt_numbers_;
  std::vector<std::string> tokens_;
};

}  // namespace

std::string GeneratedText::joined() const {
  std::string text;
  for (const auto& t : tokens) text += t;
  return text;
}

std::vector<std::string> numbers_in(std::string_view prompt, std::size_t limit) {
  std::vector<std::string> numbers;
  std::size_t i = 0;
  while (i < prompt.size() && numbers.size() < limit) {
    if (!std::isdigit(static_cast<unsigned char>(prompt[i]))) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < prompt.size() && std::isdigit(static_cast<unsigned char>(prompt[i]))) ++i;
    if (i + 1 < prompt.size() && prompt[i] == '.' &&
        std::isdigit(static_cast<unsigned char>(prompt[i + 1]))) {
      ++i;
      while (i < prompt.size() && std::isdigit(static_cast<unsigned char>(prompt[i]))) ++i;
    }
    numbers.emplace_back(prompt.substr(start, i - start));
  }
  return numbers;
}

GeneratedText generate_report(std::uint64_t seed, std::optional<std::int64_t> max_tokens,
                              std::string_view prompt) {
  GeneratedText out;
  if (max_tokens && *max_tokens <= 0) {
    out.finish_reason = "length";
    return out;
  }
  Writer writer(mix64(seed), numbers_in(prompt));
  const auto natural_length = static_cast<std::size_t>(128 + mix64(seed ^ 0x5eed) % 129);
  const std::size_t target = max_tokens ? static_cast<std::size_t>(*max_tokens) : natural_length;
  writer.summary();
  for (std::size_t section = 0; writer.tokens().size() < target; ++section) {
    writer.section(section);
  }
  out.tokens = std::move(writer.tokens());
  if (max_tokens) {
    out.tokens.resize(target);
    out.finish_reason = "length";
  } else {
    // Drop the trailing blank line so the report ends on its last line.
    while (!out.tokens.empty() && out.tokens.back().find_first_not_of('\n') == std::string::npos) {
      out.tokens.pop_back();
    }
    out.finish_reason = "stop";
  }
  return out;
}

}  // namespace chimera::sim
