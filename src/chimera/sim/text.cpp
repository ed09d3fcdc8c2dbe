#include "chimera/sim/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

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
  Writer(std::uint64_t seed, std::vector<std::string> prompt_numbers,
         std::vector<SummaryFigure> facts = {}, std::vector<std::string> entities = {})
      : rng_(seed),
        prompt_numbers_(std::move(prompt_numbers)),
        facts_(std::move(facts)),
        entities_(std::move(entities)) {}

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
    plant_figures();
  }

  // One paragraph that quotes the data summary: figures stated correctly,
  // attached to the wrong entity, derived and invented, each remembered with
  // the sentence that holds it. The stated figure is one with a peer (the same
  // metric for another entity) when the summary has one, so that every class
  // can be planted.
  void plant_figures() {
    if (facts_.empty()) return;
    std::vector<PlantedFigure> sentences;
    const SummaryFigure& a = with_peer_first();
    const std::string a_value = a.value + (a.unit.empty() ? "" : " " + a.unit);
    sentences.push_back({a_value, "verified", a.metric, a.entity, a.metric + " of " + a.entity,
                         fmt::format("For {}, the {} was {}.", a.entity, a.metric, a_value)});
    const SummaryFigure* b = peer_of(a);
    // Without a peer, any other model or configuration the prompt names.
    const std::string other = b != nullptr ? b->entity : other_entity(a.entity);
    if (!other.empty()) {
      sentences.push_back({a_value, "misattributed", a.metric, other, a.metric + " of " + a.entity,
                           fmt::format("For {}, the {} was {}.", other, a.metric, a_value)});
    }
    if (b != nullptr) {
      if (auto derived = percent_change(a, *b)) sentences.push_back(std::move(*derived));
    }
    const std::string invented = fmt::format("{}.{} ms", 1000 + rng_.below(8000), rng_.below(10));
    sentences.push_back({invented, "unverified", "queue wait", a.entity, "invented",
                         fmt::format("For {}, the queue wait was {}.", a.entity, invented)});
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      words(sentences[i].sentence, i > 0);
      planted_.push_back(std::move(sentences[i]));
    }
    newline(2);
  }
  // "The mean_tokens_s of A was 29% higher than that of B": whole percents
  // only, and none within rounding of a half, since the data holds more digits
  // than the summary.
  std::optional<PlantedFigure> percent_change(const SummaryFigure& a, const SummaryFigure& b) {
    const double va = to_double(a.value);
    const double vb = to_double(b.value);
    const double change = vb != 0 ? (va - vb) / std::abs(vb) * 100 : 0;
    const double frac = std::abs(change) - std::floor(std::abs(change));
    if (std::abs(change) < 10 || std::abs(change) >= 1000 || std::abs(frac - 0.5) <= 0.1) {
      return std::nullopt;
    }
    const std::string pct = fmt::format("{:.0f}%", std::abs(change));
    return PlantedFigure{pct,
                         "derived",
                         a.metric,
                         a.entity,
                         fmt::format("{} of {} vs {}", a.metric, a.entity, b.entity),
                         fmt::format("The {} of {} was {} {} than that of {}.", a.metric, a.entity,
                                     pct, change > 0 ? "higher" : "lower", b.entity)};
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
  std::vector<PlantedFigure>& planted() { return planted_; }

 private:
  static double to_double(const std::string& text) {
    double v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
  }
  // Another entity's figure of the same metric in the same table, with another
  // value: only rows of one table are comparable.
  static bool is_peer(const SummaryFigure& a, const SummaryFigure& f) {
    return f.metric == a.metric && f.file == a.file && f.entity != a.entity && f.value != a.value;
  }
  const SummaryFigure* peer_of(const SummaryFigure& a) {
    std::vector<const SummaryFigure*> peers;
    for (const auto& f : facts_) {
      if (is_peer(a, f)) peers.push_back(&f);
    }
    return peers.empty() ? nullptr : peers[rng_.below(peers.size())];
  }
  bool has_peer(const SummaryFigure& a) const {
    return std::any_of(facts_.begin(), facts_.end(),
                       [&](const SummaryFigure& f) { return is_peer(a, f); });
  }
  // A figure picked at random among those with a peer, else among all.
  const SummaryFigure& with_peer_first() {
    std::vector<const SummaryFigure*> paired;
    for (const auto& f : facts_) {
      if (has_peer(f)) paired.push_back(&f);
    }
    if (paired.empty()) return facts_[rng_.below(facts_.size())];
    return *paired[rng_.below(paired.size())];
  }
  std::string other_entity(const std::string& entity) {
    std::vector<const std::string*> others;
    for (const auto& e : entities_) {
      if (e != entity) others.push_back(&e);
    }
    return others.empty() ? std::string() : *others[rng_.below(others.size())];
  }

  void push(std::string token) { tokens_.push_back(std::move(token)); }
  Random rng_;
  std::vector<std::string> prompt_numbers_;
  std::vector<SummaryFigure> facts_;
  std::vector<std::string> tokens_;
  std::vector<PlantedFigure> planted_;
  std::vector<std::string> entities_;
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

std::vector<SummaryFigure> summary_figures(std::string_view prompt, std::size_t limit) {
  std::vector<SummaryFigure> out;
  for (std::string_view mark : {"Best ", "Worst "}) {
    for (std::size_t at = prompt.find(mark); at != std::string_view::npos && out.size() < limit;
         at = prompt.find(mark, at + 1)) {
      const std::size_t eol = prompt.find('\n', at);
      std::string_view line =
          prompt.substr(at + mark.size(), eol == std::string_view::npos ? std::string_view::npos
                                                                        : eol - at - mark.size());
      const std::size_t colon = line.find(": ");
      const std::size_t for_at = line.find(" for ");
      if (colon == std::string_view::npos || for_at == std::string_view::npos || for_at < colon) {
        continue;
      }
      SummaryFigure f;
      f.metric = std::string(line.substr(0, colon));
      const std::string_view figure = line.substr(colon + 2, for_at - colon - 2);
      const std::size_t space = figure.find(' ');
      f.value = std::string(figure.substr(0, space));
      if (space != std::string_view::npos) f.unit = std::string(figure.substr(space + 1));
      std::string_view who = line.substr(for_at + 5);
      // "model gemma3:latest (...)", "config g60_c2048_t0.8 (num_gpu=60)".
      if (!who.starts_with("model ") && !who.starts_with("config ")) continue;
      who.remove_prefix(who.find(' ') + 1);
      f.entity = std::string(who.substr(0, who.find(' ')));
      if (const std::size_t in = who.rfind(" rows in "); in != std::string_view::npos) {
        const std::string_view file = who.substr(in + 9);
        f.file = std::string(file.substr(0, file.rfind(')')));
      }
      if (f.metric.find(' ') != std::string::npos || f.value.empty() ||
          !std::isdigit(static_cast<unsigned char>(f.value[0])) || f.entity.empty()) {
        continue;
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

std::vector<std::string> summary_entities(std::string_view prompt, std::size_t limit) {
  std::vector<std::string> out;
  for (std::string_view mark : {" for model ", " for config "}) {
    for (std::size_t at = prompt.find(mark); at != std::string_view::npos && out.size() < limit;
         at = prompt.find(mark, at + 1)) {
      std::string_view name = prompt.substr(at + mark.size());
      name = name.substr(0, name.find_first_of(" \n"));
      while (!name.empty() &&
             std::string_view(".,;)").find(name.back()) != std::string_view::npos) {
        name.remove_suffix(1);
      }
      if (name.empty() || std::find(out.begin(), out.end(), name) != out.end()) continue;
      out.emplace_back(name);
    }
  }
  return out;
}

GeneratedText generate_report(std::uint64_t seed, std::optional<std::int64_t> max_tokens,
                              std::string_view prompt) {
  GeneratedText out;
  if (max_tokens && *max_tokens <= 0) {
    out.finish_reason = "length";
    return out;
  }
  Writer writer(mix64(seed), numbers_in(prompt), summary_figures(prompt), summary_entities(prompt));
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
  const std::string text = out.joined();
  for (auto& figure : writer.planted()) {
    if (text.find(figure.sentence) != std::string::npos) out.planted.push_back(std::move(figure));
  }
  return out;
}

}  // namespace chimera::sim
