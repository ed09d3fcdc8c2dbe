#include "chimera/agents/claims.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "chimera/agents/numbers.hpp"

namespace chimera::agents {
namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || (static_cast<unsigned char>(c) & 0x80);
}

// Where `phrase` stands in `words` as whole words, or npos.
std::size_t find_words(std::string_view words, std::string_view phrase, std::size_t from = 0) {
  for (std::size_t at = words.find(phrase, from); at != std::string_view::npos;
       at = words.find(phrase, at + 1)) {
    const std::size_t end = at + phrase.size();
    if ((at == 0 || !is_word_char(words[at - 1])) &&
        (end >= words.size() || !is_word_char(words[end]))) {
      return at;
    }
  }
  return std::string_view::npos;
}

bool has_words(std::string_view words, std::string_view phrase) {
  return find_words(words, phrase) != std::string_view::npos;
}

template <std::size_t N>
bool has_any(std::string_view words, const std::array<std::string_view, N>& phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return has_words(words, p); });
}

struct StatisticWord {
  std::string_view phrase;
  std::string_view statistic;
};

// A mean, a median or a percentile: what a figure is of its distribution.
constexpr std::array<StatisticWord, 14> kCentralWords{{{"mean", "mean"},
                                                       {"average", "mean"},
                                                       {"avg", "mean"},
                                                       {"median", "median"},
                                                       {"p50", "median"},
                                                       {"50th percentile", "median"},
                                                       {"p90", "p90"},
                                                       {"90th percentile", "p90"},
                                                       {"p95", "p95"},
                                                       {"95th percentile", "p95"},
                                                       {"p99", "p99"},
                                                       {"99th percentile", "p99"},
                                                       {"ninety fifth percentile", "p95"},
                                                       {"ninety ninth percentile", "p99"}}};

constexpr std::array<StatisticWord, 7> kExtremeNames{{{"max", "max"},
                                                      {"maximum", "max"},
                                                      {"peak", "max"},
                                                      {"highest", "max"},
                                                      {"min", "min"},
                                                      {"minimum", "min"},
                                                      {"lowest", "min"}}};

std::string first_statistic(std::string_view words, const StatisticWord* begin,
                            const StatisticWord* end) {
  std::size_t best = std::string_view::npos;
  std::string_view found;
  for (const auto* w = begin; w != end; ++w) {
    const std::size_t at = find_words(words, w->phrase);
    if (at < best) {
      best = at;
      found = w->statistic;
    }
  }
  return std::string(found);
}

Direction direction_in(std::string_view words) {
  static constexpr std::array<std::pair<std::string_view, Direction>, 33> kWords{{
      {"faster", Direction::kFaster},
      {"quicker", Direction::kFaster},
      {"speedup", Direction::kFaster},
      {"speed up", Direction::kFaster},
      {"improvement", Direction::kFaster},
      {"improved", Direction::kFaster},
      {"improves", Direction::kFaster},
      {"slower", Direction::kSlower},
      {"slowdown", Direction::kSlower},
      {"slow down", Direction::kSlower},
      {"regression", Direction::kSlower},
      {"higher", Direction::kUp},
      {"more", Direction::kUp},
      {"increase", Direction::kUp},
      {"increased", Direction::kUp},
      {"increases", Direction::kUp},
      {"rose", Direction::kUp},
      {"grew", Direction::kUp},
      {"larger", Direction::kUp},
      {"greater", Direction::kUp},
      {"above", Direction::kUp},
      {"lower", Direction::kDown},
      {"less", Direction::kDown},
      {"fewer", Direction::kDown},
      {"decrease", Direction::kDown},
      {"decreased", Direction::kDown},
      {"decreases", Direction::kDown},
      {"reduced", Direction::kDown},
      {"reduction", Direction::kDown},
      {"dropped", Direction::kDown},
      {"fell", Direction::kDown},
      {"smaller", Direction::kDown},
      {"below", Direction::kDown},
  }};
  std::size_t best = std::string_view::npos;
  Direction found = Direction::kNone;
  for (const auto& [phrase, direction] : kWords) {
    const std::size_t at = find_words(words, phrase);
    if (at < best) {
      best = at;
      found = direction;
    }
  }
  return found;
}

// "sim-sweep.csv", "reports/run_3/metrics.json": words that end in a data
// file's extension.
std::vector<std::string> file_names(std::string_view text) {
  static constexpr std::array<std::string_view, 8> kExtensions = {
      ".csv", ".json", ".jsonl", ".md", ".tsv", ".txt", ".yaml", ".yml"};
  std::vector<std::string> out;
  std::size_t i = 0;
  auto name_char = [](char c) {
    return is_word_char(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == ':';
  };
  while (i < text.size()) {
    if (!name_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && name_char(text[end])) ++end;
    std::string_view word = text.substr(i, end - i);
    while (!word.empty() && (word.back() == '.' || word.back() == ':')) word.remove_suffix(1);
    for (auto ext : kExtensions) {
      if (word.size() > ext.size() && word.ends_with(ext)) {
        const auto slash = word.rfind('/');
        out.emplace_back(slash == std::string_view::npos ? word : word.substr(slash + 1));
        break;
      }
    }
    i = end;
  }
  return out;
}

}  // namespace

std::string normalise_words(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    char l = (c == '_' || c == '-')
                 ? ' '
                 : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(l);
  }
  return out;
}

std::string statistic_of_name(std::string_view name) {
  const std::string words = normalise_words(name);
  std::string central =
      first_statistic(words, kCentralWords.data(), kCentralWords.data() + kCentralWords.size());
  if (!central.empty()) return central;
  // Only names of the extremes themselves: a "best_config" is no statistic.
  return first_statistic(words, kExtremeNames.data(), kExtremeNames.data() + kExtremeNames.size());
}

std::vector<std::string> statistics_in_words(std::string_view clause, const Metric& metric) {
  const std::string words = normalise_words(clause);
  std::vector<std::string> out;
  std::string central =
      first_statistic(words, kCentralWords.data(), kCentralWords.data() + kCentralWords.size());
  if (!central.empty()) out.push_back(std::move(central));
  std::string extreme =
      first_statistic(words, kExtremeNames.data(), kExtremeNames.data() + kExtremeNames.size());
  const bool throughput = metric.family == "throughput";
  if (extreme.empty() && has_words(words, "worst")) extreme = throughput ? "min" : "max";
  if (extreme.empty() && has_words(words, "best")) extreme = throughput ? "max" : "min";
  if (!extreme.empty()) out.push_back(std::move(extreme));
  return out;
}

int direction_sign(Direction direction, bool duration) {
  switch (direction) {
    case Direction::kUp:
      return 1;
    case Direction::kDown:
      return -1;
    case Direction::kFaster:
      return duration ? -1 : 1;
    case Direction::kSlower:
      return duration ? 1 : -1;
    case Direction::kNone:
      break;
  }
  return 0;
}

const char* to_string(Direction direction) {
  switch (direction) {
    case Direction::kUp:
      return "higher";
    case Direction::kDown:
      return "lower";
    case Direction::kFaster:
      return "faster";
    case Direction::kSlower:
      return "slower";
    case Direction::kNone:
      break;
  }
  return "none";
}

Claim read_claim(std::string_view sentence, std::string_view clause, const Metric& metric,
                 bool negative) {
  static constexpr std::array<std::string_view, 6> kThisRun = {
      "this run", "the current run", "this session", "measured here", "in this run", "our run"};
  static constexpr std::array<std::string_view, 11> kHistorical = {
      "historical", "historically", "previous",  "earlier",  "past", "prior",
      "archived",   "archive",      "artifacts", "artifact", "older"};
  static constexpr std::array<std::string_view, 4> kPoints = {"percentage point",
                                                              "percentage points", "pp", "points"};
  Claim claim;
  claim.words = normalise_words(sentence);
  const std::string clause_words = normalise_words(clause);
  claim.statistics = statistics_in_words(clause, metric);
  claim.direction = direction_in(clause_words);
  claim.sentence_direction = direction_in(claim.words);
  claim.negative = negative;
  claim.this_run = has_any(claim.words, kThisRun);
  claim.historical = !claim.this_run && has_any(claim.words, kHistorical);
  claim.percentage_points = has_any(claim.words, kPoints);
  claim.files = file_names(sentence);
  return claim;
}

std::string known_unit_kind(std::string_view unit) {
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
  if (unit.empty()) return "";
  std::string lowered(unit);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered == "count" || lowered == "us" || lowered == "ns") return lowered;
  if (lowered == "pct" || lowered == "percent") return "%";
  std::string canonical = canonical_unit(unit);
  return canonical.empty() ? lowered : canonical;
}

const std::string& metric_key(const KnownFigure& known) {
  return known.metric.empty() ? known.label : known.metric;
}

Metric metric_of_known(const KnownFigure& known) {
  Metric m = metric_of_name(metric_key(known));
  return m.known() ? m : metric_of_unit(known_unit_kind(known.unit));
}

bool is_statistic(const KnownFigure& known, std::string_view statistic) {
  if (known.statistic == statistic) return true;
  // "best_mean_tokens_s" is a mean and a maximum.
  const auto named = statistics_in_words(metric_key(known), metric_of_known(known));
  return std::find(named.begin(), named.end(), statistic) != named.end();
}

bool is_statistic(const KnownFigure& known, const std::vector<std::string>& statistics) {
  return std::all_of(statistics.begin(), statistics.end(),
                     [&](const std::string& s) { return is_statistic(known, s); });
}

bool names_setting(std::string_view words, std::string_view name) {
  const std::string own = normalise_words(name);
  if (!own.empty() && has_words(words, own)) return true;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kSynonyms{{
      {"num ctx", "context"},
      {"num ctx", "ctx"},
      {"num predict", "max tokens"},
      {"num predict", "token limit"},
      {"num predict", "max new tokens"},
      {"num gpu", "gpu layers"},
      {"num gpu", "offloaded layers"},
      {"num batch", "batch size"},
      {"num thread", "threads"},
      {"temperature", "temp"},
      {"top p", "nucleus"},
      {"repeat penalty", "repetition penalty"},
      {"max tokens", "token limit"},
      {"batch size", "batch"},
  }};
  return std::any_of(kSynonyms.begin(), kSynonyms.end(), [&](const auto& synonym) {
    return synonym.first == own && has_words(words, synonym.second);
  });
}

}  // namespace chimera::agents
