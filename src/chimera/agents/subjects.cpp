#include "chimera/agents/subjects.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

namespace chimera::agents {
namespace {

struct MetricWord {
  std::string_view phrase;  // lowercase; '_' and '-' of names read as spaces
  std::string_view family;
  std::string_view kind;
};

// What the words of a sentence or a column name say a figure measures. Overlaps
// resolve to the longest phrase: "prompt eval count" is a token count, "prompt
// eval" a duration, "tokens per second" a throughput.
constexpr std::array kMetricWords = {
    MetricWord{"tokens per second", "throughput", ""},
    MetricWord{"tokens/s", "throughput", ""},
    MetricWord{"tokens/sec", "throughput", ""},
    MetricWord{"tok/s", "throughput", ""},
    MetricWord{"tokens s", "throughput", ""},
    MetricWord{"tokens per s", "throughput", ""},
    MetricWord{"tok s", "throughput", ""},
    MetricWord{"tps", "throughput", ""},
    MetricWord{"throughput", "throughput", ""},
    MetricWord{"decode rate", "throughput", ""},
    MetricWord{"decode speed", "throughput", ""},
    MetricWord{"generation speed", "throughput", ""},
    MetricWord{"generation rate", "throughput", ""},
    MetricWord{"eval rate", "throughput", ""},
    MetricWord{"ttft", "duration", "ttft"},
    MetricWord{"time to first token", "duration", "ttft"},
    MetricWord{"first token", "duration", "ttft"},
    MetricWord{"latency", "duration", "latency"},
    MetricWord{"end to end", "duration", "latency"},
    MetricWord{"e2e", "duration", "latency"},
    MetricWord{"response time", "duration", "latency"},
    MetricWord{"load duration", "duration", "load"},
    MetricWord{"load time", "duration", "load"},
    MetricWord{"load", "duration", "load"},
    MetricWord{"prompt eval", "duration", "prompt_eval"},
    MetricWord{"prompt evaluation", "duration", "prompt_eval"},
    MetricWord{"prompt processing", "duration", "prompt_eval"},
    MetricWord{"eval duration", "duration", "eval"},
    MetricWord{"eval time", "duration", "eval"},
    MetricWord{"eval", "duration", "eval"},
    MetricWord{"total duration", "duration", "total"},
    MetricWord{"execution time", "duration", "total"},
    MetricWord{"wall time", "duration", "total"},
    MetricWord{"elapsed", "duration", "total"},
    MetricWord{"runtime", "duration", "total"},
    MetricWord{"duration", "duration", ""},
    MetricWord{"queue wait", "duration", "queue"},
    MetricWord{"tokens generated", "tokens", ""},
    MetricWord{"token count", "tokens", ""},
    MetricWord{"eval count", "tokens", ""},
    MetricWord{"prompt eval count", "tokens", "prompt"},
    MetricWord{"output tokens", "tokens", ""},
    MetricWord{"prompt tokens", "tokens", "prompt"},
    MetricWord{"tokens", "tokens", ""},
    MetricWord{"utilization", "percent", "utilization"},
    MetricWord{"utilisation", "percent", "utilization"},
    MetricWord{"util", "percent", "utilization"},
    MetricWord{"accuracy", "percent", "accuracy"},
    MetricWord{"error rate", "percent", "error"},
    MetricWord{"failure rate", "percent", "error"},
    MetricWord{"success rate", "percent", "success"},
    MetricWord{"fan speed", "percent", "fan"},
    MetricWord{"occupancy", "percent", "occupancy"},
    MetricWord{"faster", "change", ""},
    MetricWord{"slower", "change", ""},
    MetricWord{"higher", "change", ""},
    MetricWord{"lower", "change", ""},
    MetricWord{"improvement", "change", ""},
    MetricWord{"improved", "change", ""},
    MetricWord{"improves", "change", ""},
    MetricWord{"increased", "change", ""},
    MetricWord{"reduced", "change", ""},
    MetricWord{"reduces", "change", ""},
    MetricWord{"dropped", "change", ""},
    MetricWord{"increase", "change", ""},
    MetricWord{"decrease", "change", ""},
    MetricWord{"reduction", "change", ""},
    MetricWord{"speedup", "change", ""},
    MetricWord{"difference", "change", ""},
    MetricWord{"change", "change", ""},
    MetricWord{"delta", "change", ""},
    MetricWord{"relative", "change", ""},
    MetricWord{"memory", "memory", ""},
    MetricWord{"vram", "memory", ""},
    MetricWord{"bandwidth", "memory", "bandwidth"},
    MetricWord{"files", "count", "files"},
    MetricWord{"requests", "count", "requests"},
    MetricWord{"prompts", "count", "requests"},
    MetricWord{"completed", "count", "requests"},
    MetricWord{"rows", "count", "rows"},
    MetricWord{"num ctx", "setting", "ctx"},
    MetricWord{"context window", "setting", "ctx"},
    MetricWord{"context", "setting", "ctx"},
    MetricWord{"num gpu", "setting", "gpu"},
    MetricWord{"gpu layers", "setting", "gpu"},
    MetricWord{"temperature", "setting", "temperature"},
    MetricWord{"batch size", "setting", "batch"},
    MetricWord{"concurrency", "setting", "concurrency"},
};

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || (static_cast<unsigned char>(c) & 0x80);
}

// Lowercase, '_' and '-' as spaces: "mean_tokens_s" reads "mean tokens s".
std::string normalise(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c == '_' || c == '-') ? ' ' : lower(c);
  return out;
}

bool word_boundary_before(std::string_view text, std::size_t at) {
  return at == 0 || !is_alnum(text[at - 1]);
}
bool word_boundary_after(std::string_view text, std::size_t end) {
  return end >= text.size() || !is_alnum(text[end]);
}

// Characters of an entity name: "llama3.1:8b", "g60_c2048_t0.8", "run-3".
bool is_name_char(char c) {
  return is_alnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
}

bool is_number_text(std::string_view s) {
  bool digit = false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      digit = true;
    } else if (c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
      return false;
    }
  }
  return digit;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '*' || s.front() == '`'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '*' || s.back() == '`')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split_row(std::string_view line) {
  std::vector<std::string> cells;
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (!line.empty() && line.front() == '|') line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  if (!line.empty() && line.back() == '|') line.remove_suffix(1);
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == '|') {
      cells.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return cells;
}

bool is_table_line(std::string_view line) {
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  return !line.empty() && line.front() == '|';
}

bool is_separator_row(const std::vector<std::string>& cells) {
  return !cells.empty() && std::all_of(cells.begin(), cells.end(), [](const std::string& c) {
    return !c.empty() && c.find_first_not_of("-: ") == std::string::npos;
  });
}

}  // namespace

bool metrics_conflict(const Metric& a, const Metric& b) {
  if (!a.known() || !b.known()) return false;
  // A context or batch size is counted in tokens.
  auto tokens_setting = [](const Metric& x, const Metric& y) {
    return x.family == "tokens" && y.family == "setting" && (y.kind == "ctx" || y.kind == "batch");
  };
  if (tokens_setting(a, b) || tokens_setting(b, a)) return false;
  // A bare percent may be a percent change.
  auto percent_change = [](const Metric& x, const Metric& y) {
    return x.family == "percent" && x.kind.empty() && y.family == "change";
  };
  if (percent_change(a, b) || percent_change(b, a)) return false;
  if (a.family != b.family) return true;
  return !a.kind.empty() && !b.kind.empty() && a.kind != b.kind;
}

std::vector<Mention> metric_mentions(std::string_view text) {
  const std::string lowered = normalise(text);
  std::vector<Mention> all;
  for (const auto& word : kMetricWords) {
    for (std::size_t at = lowered.find(word.phrase); at != std::string::npos;
         at = lowered.find(word.phrase, at + 1)) {
      const std::size_t end = at + word.phrase.size();
      if (!word_boundary_before(lowered, at) || !word_boundary_after(lowered, end)) continue;
      all.push_back({at, word.phrase.size(), std::string(word.phrase),
                     Metric{std::string(word.family), std::string(word.kind)}});
    }
  }
  // Longest first, then drop what overlaps a kept mention.
  std::stable_sort(all.begin(), all.end(),
                   [](const Mention& a, const Mention& b) { return a.length > b.length; });
  std::vector<Mention> kept;
  for (auto& m : all) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const Mention& k) {
      return m.offset < k.offset + k.length && k.offset < m.offset + m.length;
    });
    if (!overlaps) kept.push_back(std::move(m));
  }
  std::sort(kept.begin(), kept.end(),
            [](const Mention& a, const Mention& b) { return a.offset < b.offset; });
  return kept;
}

namespace {

// "Rank", "#", "run_index", "rank_by_ttft", "gpu_id": a column that orders,
// numbers or names rows. Its cells are positions or identifiers, never
// measurements, whatever metric words the name also holds ("ttft_rank").
bool is_ordinal_name(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kLeading = {"rank", "ranking",  "index",
                                                               "idx",  "position", "ordinal"};
  static constexpr std::array<std::string_view, 9> kTrailing = {
      "pos", "no", "id", "#", "row", "run", "iteration", "trial", "step"};
  const std::string n = normalise(name);
  std::string_view words(n);
  while (!words.empty() && (words.front() == ' ' || words.front() == '.')) words.remove_prefix(1);
  while (!words.empty() && (words.back() == ' ' || words.back() == '.')) words.remove_suffix(1);
  const auto first = words.substr(0, words.find(' '));
  const auto space = words.rfind(' ');
  const auto last = space == std::string_view::npos ? words : words.substr(space + 1);
  auto among = [](const auto& list, std::string_view w) {
    return std::find(list.begin(), list.end(), w) != list.end();
  };
  return among(kLeading, first) || among(kLeading, last) || among(kTrailing, last);
}

Metric read_metric_of_name(std::string_view name) {
  if (is_ordinal_name(name)) return {"ordinal", ""};
  const auto mentions = metric_mentions(name);
  if (!mentions.empty()) {
    // "ttft_ms_p50": the most specific (longest) word names the metric.
    const auto best =
        std::max_element(mentions.begin(), mentions.end(),
                         [](const Mention& a, const Mention& b) { return a.length < b.length; });
    return best->metric;
  }
  const std::string n = normalise(name);
  if (n.ends_with(" ms") || n.ends_with(" s") || n.ends_with(" sec") || n.ends_with(" seconds")) {
    return {"duration", ""};
  }
  return {};
}

}  // namespace

Metric metric_of_name(std::string_view name) {
  // A data set has few distinct column names, each asked about many times.
  thread_local std::unordered_map<std::string, Metric> cache;
  auto it = cache.find(std::string(name));
  if (it != cache.end()) return it->second;
  if (cache.size() > 100'000) cache.clear();
  Metric metric = read_metric_of_name(name);
  cache.emplace(std::string(name), metric);
  return metric;
}

Metric metric_of_unit(std::string_view unit) {
  if (unit == "tok/s") return {"throughput", ""};
  if (unit == "ms" || unit == "s" || unit == "min" || unit == "us" || unit == "ns") {
    return {"duration", ""};
  }
  if (unit == "%" || unit == "fraction") return {"percent", ""};
  if (unit == "GB" || unit == "MB" || unit == "KB" || unit == "B") return {"memory", ""};
  if (unit == "tokens") return {"tokens", ""};
  if (unit == "count") return {"count", ""};
  if (unit == "x") return {"change", ""};
  return {};
}

EntityVocabulary::EntityVocabulary(std::vector<std::string> names) {
  std::vector<std::pair<std::string, std::string>> kept;
  std::unordered_map<std::string, bool> seen;
  for (auto& name : names) {
    if (name.size() < 2 || is_number_text(name) ||
        std::none_of(name.begin(), name.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
      continue;
    }
    std::string lowered;
    for (char c : name) lowered += lower(c);
    if (!seen.emplace(lowered, true).second) continue;
    kept.emplace_back(std::move(lowered), std::move(name));
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (auto& [l, n] : kept) {
    if (!std::all_of(l.begin(), l.end(), is_name_char)) phrases_.push_back(lower_.size());
    lower_.push_back(std::move(l));
    names_.push_back(std::move(n));
  }
}

std::vector<Mention> EntityVocabulary::find(std::string_view text) const {
  std::vector<Mention> out;
  if (names_.empty()) return out;
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < lower_.size(); ++i) index.emplace(lower_[i], i);
  std::string lowered(text);
  for (char& c : lowered) c = lower(c);
  // Every run of name characters, and its prefixes cut at a joiner, is looked
  // up; trailing '.', ':' and '-' are punctuation ("gemma3." ends a sentence).
  std::size_t i = 0;
  while (i < lowered.size()) {
    if (!is_name_char(lowered[i]) || lowered[i] == '.' || lowered[i] == ':' || lowered[i] == '-') {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < lowered.size() && is_name_char(lowered[end])) ++end;
    std::size_t cut = end;
    while (cut > i) {
      while (cut > i &&
             (lowered[cut - 1] == '.' || lowered[cut - 1] == ':' || lowered[cut - 1] == '-')) {
        --cut;
      }
      auto it = index.find(std::string_view(lowered).substr(i, cut - i));
      if (it != index.end()) {
        out.push_back({i, cut - i, names_[it->second], {}});
        break;
      }
      // Shorter: up to the last joiner ("gemma3:270m-q4" -> "gemma3:270m").
      std::size_t joiner = cut;
      while (joiner > i && lowered[joiner - 1] != ':' && lowered[joiner - 1] != '-') --joiner;
      cut = joiner > i ? joiner - 1 : i;
    }
    i = end;
  }
  for (std::size_t k : phrases_) {
    const std::string& phrase = lower_[k];
    for (std::size_t at = lowered.find(phrase); at != std::string::npos;
         at = lowered.find(phrase, at + 1)) {
      if (!word_boundary_before(lowered, at) || !word_boundary_after(lowered, at + phrase.size())) {
        continue;
      }
      // A phrase covers the word mentions inside it.
      std::erase_if(out, [&](const Mention& m) {
        return m.offset >= at && m.offset + m.length <= at + phrase.size();
      });
      out.push_back({at, phrase.size(), names_[k], {}});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Mention& a, const Mention& b) { return a.offset < b.offset; });
  return out;
}

bool same_entity(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

TableContext table_context(std::string_view text, std::size_t offset) {
  TableContext context;
  auto line_begin = [&](std::size_t at) {
    const std::size_t nl = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
    return nl == std::string_view::npos ? 0 : nl + 1;
  };
  const std::size_t begin = line_begin(offset);
  std::size_t end = text.find('\n', offset);
  if (end == std::string_view::npos) end = text.size();
  const std::string_view line = text.substr(begin, end - begin);
  if (!is_table_line(line)) return context;
  // Walk up to the first line of the table: its header.
  std::size_t header_begin = begin;
  while (header_begin > 0) {
    const std::size_t previous = line_begin(header_begin - 1);
    const std::string_view above = text.substr(previous, header_begin - 1 - previous);
    if (!is_table_line(above)) break;
    header_begin = previous;
  }
  std::size_t header_end = text.find('\n', header_begin);
  if (header_end == std::string_view::npos) header_end = text.size();
  const auto header = split_row(text.substr(header_begin, header_end - header_begin));
  context.cells = split_row(line);
  if (is_separator_row(context.cells)) return context;
  std::size_t column = 0;
  const std::size_t lead = line.find('|');
  for (std::size_t k = lead + 1; k < offset - begin; ++k) {
    if (line[k] == '|') ++column;
  }
  context.found = true;
  context.column = column;
  if (header_begin != begin && column < header.size()) context.header = header[column];
  return context;
}

std::string quote_sentence(std::string_view sentence, std::string_view needle, std::size_t limit) {
  if (sentence.size() <= limit) return std::string(sentence);
  std::size_t at = sentence.find(needle);
  if (at == std::string_view::npos) at = 0;
  const std::size_t room = limit > needle.size() ? limit - needle.size() : 0;
  std::size_t start = at > room / 2 ? at - room / 2 : 0;
  if (start + limit > sentence.size()) start = sentence.size() - limit;
  // Cut at spaces and never inside a UTF-8 sequence.
  auto back_to_char = [&](std::size_t p) {
    while (p > 0 && p < sentence.size() && (static_cast<unsigned char>(sentence[p]) & 0xC0) == 0x80)
      --p;
    return p;
  };
  start = back_to_char(start);
  std::size_t stop = back_to_char(std::min(sentence.size(), start + limit));
  std::string out;
  if (start > 0) out += "\xE2\x80\xA6";
  out += sentence.substr(start, stop - start);
  if (stop < sentence.size()) out += "\xE2\x80\xA6";
  return out;
}

}  // namespace chimera::agents
