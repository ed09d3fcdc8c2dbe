#include "chimera/agents/verification.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "chimera/agents/claims.hpp"
#include "chimera/agents/derivation.hpp"
#include "chimera/agents/numbers.hpp"

namespace chimera::agents {

namespace {

constexpr std::string_view kAnyUnit = "*";

struct Conversion {
  std::string_view known_unit;  // kind of the known figure (known_unit_kind)
  double factor;                // written value = known value * factor
};

// The known figures a figure written in `unit` may be. A unitless known figure
// is accepted only unconverted, and never for a percent: a share needs a known
// percent or a known fraction, or "164%" would be any 1.64 of the data.
std::vector<Conversion> conversions(std::string_view unit) {
  if (unit == "ms") {
    return {{"ms", 1}, {"s", 1000}, {"min", 60000}, {"us", 1e-3}, {"ns", 1e-6}, {"", 1}};
  }
  if (unit == "s") {
    return {{"s", 1}, {"ms", 1e-3}, {"min", 60}, {"us", 1e-6}, {"ns", 1e-9}, {"", 1}};
  }
  if (unit == "min") return {{"min", 1}, {"s", 1.0 / 60}, {"ms", 1.0 / 60000}, {"", 1}};
  if (unit == "%") return {{"%", 1}, {"fraction", 100}};
  if (unit == "GB") {
    return {{"GB", 1},    {"MB", 1e-3}, {"MB", 1.0 / 1024},
            {"KB", 1e-6}, {"B", 1e-9},  {"B", 1.0 / (1 << 30)},
            {"", 1}};
  }
  if (unit == "MB") {
    return {{"MB", 1}, {"GB", 1e3}, {"GB", 1024}, {"KB", 1e-3}, {"B", 1e-6}, {"B", 1.0 / (1 << 20)},
            {"", 1}};
  }
  if (unit == "KB") return {{"KB", 1}, {"MB", 1e3}, {"B", 1e-3}, {"B", 1.0 / 1024}, {"", 1}};
  if (unit == "tokens") return {{"tokens", 1}, {"count", 1}, {"", 1}};
  if (unit.empty()) return {{kAnyUnit, 1}};  // a bare number may stand for a figure of any unit
  return {{unit, 1}, {"", 1}};               // tok/s, x, B
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool already_listed(const std::vector<KnownFigure>& matches, const KnownFigure& figure) {
  return std::any_of(matches.begin(), matches.end(), [&](const KnownFigure& m) {
    return m.label == figure.label && m.source == figure.source && m.value == figure.value;
  });
}

}  // namespace

const char* to_string(FigureStatus status) {
  switch (status) {
    case FigureStatus::kVerified:
      return "verified";
    case FigureStatus::kMisattributed:
      return "misattributed";
    case FigureStatus::kDerived:
      return "derived";
    case FigureStatus::kTrivial:
      return "trivial";
    case FigureStatus::kUnverified:
      break;
  }
  return "unverified";
}

const char* to_string(FigureOrigin origin) {
  switch (origin) {
    case FigureOrigin::kMeasured:
      return "measured in this run";
    case FigureOrigin::kSetting:
      return "setting sent";
    case FigureOrigin::kArtifact:
      break;
  }
  return "historical, read from an artifact";
}

bool is_trivial_figure(double value, std::string_view unit, int decimals) {
  return unit.empty() && decimals == 0 && std::abs(value) < 10;
}

FigureSource::~FigureSource() = default;

VectorFigureSource::VectorFigureSource(std::vector<KnownFigure> figures)
    : figures_(std::move(figures)) {
  std::sort(figures_.begin(), figures_.end(),
            [](const KnownFigure& a, const KnownFigure& b) { return a.value < b.value; });
  for (std::size_t i = 0; i < figures_.size(); ++i) {
    for (const auto& e : figures_[i].entities) by_entity_[lowercase(e)].push_back(i);
  }
}

std::vector<KnownFigure> VectorFigureSource::find(double value, double rel_tol) const {
  const double tol = std::abs(value) * std::max(rel_tol, 0.0);
  auto lo = std::lower_bound(figures_.begin(), figures_.end(), value - tol,
                             [](const KnownFigure& f, double v) { return f.value < v; });
  std::vector<KnownFigure> out;
  for (auto it = lo; it != figures_.end() && it->value <= value + tol; ++it) out.push_back(*it);
  return out;
}

std::vector<std::string> VectorFigureSource::entity_names() const {
  std::vector<std::string> out;
  for (const auto& f : figures_) out.insert(out.end(), f.entities.begin(), f.entities.end());
  return out;
}

std::vector<KnownFigure> VectorFigureSource::about(const std::string& entity,
                                                   std::size_t limit) const {
  std::vector<KnownFigure> out;
  auto it = by_entity_.find(lowercase(entity));
  if (it == by_entity_.end()) return out;
  for (std::size_t i : it->second) {
    if (out.size() >= limit) break;
    out.push_back(figures_[i]);
  }
  return out;
}

std::size_t VerificationResult::count(FigureStatus status) const {
  return static_cast<std::size_t>(std::count_if(figures.begin(), figures.end(),
                                                [&](const auto& f) { return f.status == status; }));
}
std::vector<VerifiedFigure> VerificationResult::with(FigureStatus status) const {
  std::vector<VerifiedFigure> out;
  for (const auto& f : figures) {
    if (f.status == status) out.push_back(f);
  }
  return out;
}
std::size_t VerificationResult::verified_count() const {
  return count(FigureStatus::kVerified);
}
std::size_t VerificationResult::unverified_count() const {
  return count(FigureStatus::kUnverified);
}
std::size_t VerificationResult::trivial_count() const {
  return count(FigureStatus::kTrivial);
}
std::vector<VerifiedFigure> VerificationResult::unverified() const {
  return with(FigureStatus::kUnverified);
}
std::vector<VerifiedFigure> VerificationResult::trivial() const {
  return with(FigureStatus::kTrivial);
}

namespace {

// What the text says a figure is about.
struct TextSubject {
  Metric metric;
  bool metric_named = false;          // words (not only the unit) state the metric
  std::vector<std::string> entities;  // the entity phrase nearest the figure
  std::vector<std::string> named;     // every entity its sentence names, in order
  Claim claim;                        // statistic, direction, time and place (claims.hpp)
  std::string reference;              // the entity a comparison measures against
  Metric compared;                    // the metric a comparison names, change words left out
};

// The metric words win unless the unit says otherwise: "throughput rose by
// 12%" is a change (the change word is nearest), "errors in 12.5% of
// requests" a percent, "2.1 s faster" a duration. A percent of a measured
// quantity ("degrades decode rate by 97%", "| end-to-end latency | 24 | % |")
// is a change or share of that quantity and keeps its metric, so that a GPU
// utilization or an occupancy that holds the value does not pass for it; a
// percent of a count ("12% of requests") is a share, a percent.
Metric combine(Metric words, std::string_view unit) {
  const Metric by_unit = metric_of_unit(unit);
  if (unit == "%") {
    if (words.family == "percent" || words.family == "change") return words;
    if (words.known() && words.family != "count") return words;
    return by_unit;
  }
  if (!by_unit.known() || !words.known()) return words.known() ? words : by_unit;
  return metrics_conflict(words, by_unit) ? by_unit : words;
}

// Between two entity mentions of one phrase ("gemma3 (g60_c2048_t0.8)",
// "llama3.1 with g60"): short, and no word that opposes two subjects.
bool joins_phrase(std::string_view gap) {
  if (gap.size() > 16 || gap.find_first_of(":;") != std::string_view::npos) return false;
  for (std::string_view word : {" and ", " vs", " than ", " while ", " versus ", " or "}) {
    if (gap.find(word) != std::string_view::npos) return false;
  }
  return true;
}

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The clause of `at` within its sentence: between the nearest ';', ',' or
// " and " around it.
Span clause_of(std::string_view text, Span sentence, std::size_t at) {
  Span clause = sentence;
  for (std::string_view mark : {";", ",", " and ", " while "}) {
    const std::size_t before = text.rfind(mark, at);
    if (before != std::string_view::npos && before >= clause.begin) {
      clause.begin = std::max(clause.begin, before + mark.size());
    }
    const std::size_t after = text.find(mark, at);
    if (after != std::string_view::npos && after < clause.end) clause.end = after;
  }
  return clause;
}

// The metric words nearest a figure say what it is, in this order: a word right
// after it ("101 files", "34% faster", "0.0% fan speed"); for a percent, the
// nearest share or change word before it in its clause ("utilization of memory
// at 97%"); the nearest word before it in its clause; its unit alone, when it
// has one; the nearest word before it in the sentence; the nearest after.
// `words_chose` tells whether words, rather than the unit alone, chose it.
Metric metric_near(std::string_view text, Span sentence, const NumberInText& number,
                   const std::vector<Mention>& metrics, bool& words_chose) {
  const std::size_t at = number.offset;
  const std::size_t after = at + number.text_as_written.size();
  const Span clause = clause_of(text, sentence, at);
  const Mention* in_clause = nullptr;
  const Mention* share_in_clause = nullptr;
  const Mention* before = nullptr;
  const Mention* following = nullptr;
  for (const auto& m : metrics) {
    if (m.offset < sentence.begin || m.offset >= sentence.end) continue;
    if (m.offset + m.length <= at) {
      before = &m;
      if (m.offset >= clause.begin) in_clause = &m;
      if (m.offset >= clause.begin &&
          (m.metric.family == "percent" || m.metric.family == "change")) {
        share_in_clause = &m;
      }
    }
    if (m.offset >= after && following == nullptr) following = &m;
  }
  Metric words;
  if (following != nullptr && following->offset - after <= 2) {
    words = following->metric;
  } else if (number.unit == "%" && share_in_clause != nullptr) {
    words = share_in_clause->metric;
  } else if (in_clause != nullptr) {
    words = in_clause->metric;
  } else if (metric_of_unit(number.unit).known()) {
    words = {};
  } else if (before != nullptr) {
    words = before->metric;
  } else if (following != nullptr) {
    words = following->metric;
  }
  words_chose = words.known();
  return combine(words, number.unit);
}

// The entity a comparison measures against: the first one after "than",
// "compared with", "relative to", "vs" ...; else the first named that is not
// the figure's own.
std::string reference_entity(std::string_view text, Span sentence,
                             const std::vector<Mention>& entities, const TextSubject& subject) {
  static constexpr std::array<std::string_view, 10> kMarkers = {
      "than", "than that of", "compared with", "compared to", "relative to",
      "vs",   "vs.",          "versus",        "against",     "over"};
  const std::string own = subject.entities.empty() ? "" : subject.entities.front();
  std::string fallback;
  for (const auto& m : entities) {
    if (m.offset < sentence.begin || m.offset >= sentence.end || same_entity(m.what, own)) {
      continue;
    }
    if (fallback.empty()) fallback = m.what;
    std::size_t from = m.offset > sentence.begin + 24 ? m.offset - 24 : sentence.begin;
    std::string before = lowercase(text.substr(from, m.offset - from));
    while (!before.empty() && (before.back() == ' ' || before.back() == '*' ||
                               before.back() == '`' || before.back() == '(')) {
      before.pop_back();
    }
    for (std::string_view marker : kMarkers) {
      if (before.ends_with(marker) &&
          (before.size() == marker.size() || before[before.size() - marker.size() - 1] == ' ')) {
        return m.what;
      }
    }
  }
  return fallback;
}

// The metric a comparison is of: the metric word nearest the figure in its
// sentence that is not a change word ("39% faster" names none).
Metric compared_metric(Span sentence, const NumberInText& number,
                       const std::vector<Mention>& metrics) {
  const Mention* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& m : metrics) {
    if (m.offset < sentence.begin || m.offset >= sentence.end || m.metric.family == "change") {
      continue;
    }
    const std::size_t distance =
        m.offset > number.offset ? m.offset - number.offset : number.offset - m.offset;
    if (best == nullptr || distance < best_distance) {
      best = &m;
      best_distance = distance;
    }
  }
  return best == nullptr ? Metric{} : best->metric;
}

TextSubject subject_in_sentence(std::string_view text, Span sentence, const NumberInText& number,
                                const std::vector<Mention>& entities,
                                const std::vector<Mention>& metrics) {
  TextSubject subject;
  const std::size_t at = number.offset;
  const std::size_t after = at + number.text_as_written.size();
  const Mention* before = nullptr;
  const Mention* following = nullptr;
  for (const auto& m : entities) {
    if (m.offset < sentence.begin || m.offset >= sentence.end) continue;
    if (std::find_if(subject.named.begin(), subject.named.end(), [&](const std::string& n) {
          return same_entity(n, m.what);
        }) == subject.named.end()) {
      subject.named.push_back(m.what);
    }
    if (m.offset + m.length <= at) before = &m;
    if (m.offset >= after && following == nullptr) following = &m;
  }
  if (before != nullptr) {
    // The nearest mention and those joined to it in one phrase.
    const Mention* first = &entities.front();
    for (const Mention* m = before; m >= first && m->offset >= sentence.begin; --m) {
      const Mention* next = m == before ? nullptr : m + 1;
      if (next != nullptr &&
          !joins_phrase(text.substr(m->offset + m->length, next->offset - m->offset - m->length))) {
        break;
      }
      subject.entities.push_back(m->what);
      if (m == first) break;
    }
  } else if (following != nullptr) {
    subject.entities.push_back(following->what);
  }
  subject.metric = metric_near(text, sentence, number, metrics, subject.metric_named);
  const Span clause = clause_of(text, sentence, at);
  subject.claim = read_claim(text.substr(sentence.begin, sentence.end - sentence.begin),
                             text.substr(clause.begin, clause.end - clause.begin), subject.metric,
                             number.value < 0);
  subject.reference = reference_entity(text, sentence, entities, subject);
  subject.compared = compared_metric(sentence, number, metrics);
  return subject;
}

// The metric a table header or cell names, the entity names in it left out: a
// "num_ctx=1024 temperature=0.4" configuration label names no temperature.
Metric metric_of_place(const std::string& place, const EntityVocabulary& vocabulary) {
  const auto entities = vocabulary.find(place);
  if (entities.empty()) return metric_of_name(place);
  const std::string_view all(place);
  std::string rest;
  std::size_t at = 0;
  for (const auto& e : entities) {
    if (e.offset < at || e.offset > all.size()) continue;
    rest += all.substr(at, e.offset - at);
    rest += ' ';
    at = std::min(all.size(), e.offset + e.length);
  }
  rest += all.substr(at);
  return metric_of_name(rest);
}

// A figure in a Markdown table: the metric is its column header's, else a row
// cell's ("| TTFT | 553 | ms |"); the entities are the row's and the header's.
TextSubject subject_in_table(const TableContext& table, std::string& unit,
                             const EntityVocabulary& vocabulary, bool negative) {
  TextSubject subject;
  if (unit.empty()) {
    for (std::size_t i = 0; i < table.cells.size(); ++i) {
      std::string u = i == table.column ? "" : canonical_unit(table.cells[i]);
      if (!u.empty() && u != "fraction") unit = u;
    }
    const auto open = table.header.find('(');
    const auto close = table.header.find(')', open == std::string::npos ? 0 : open);
    if (unit.empty() && open != std::string::npos && close != std::string::npos) {
      unit = canonical_unit(table.header.substr(open + 1, close - open - 1));
    }
  }
  Metric words = metric_of_place(table.header, vocabulary);
  for (std::size_t i = 0; i < table.cells.size() && !words.known(); ++i) {
    if (i != table.column) words = metric_of_place(table.cells[i], vocabulary);
  }
  subject.metric_named = words.known();
  subject.metric = combine(words, unit);
  std::vector<std::string> places{table.header};
  for (std::size_t i = 0; i < table.cells.size(); ++i) {
    if (i != table.column) places.push_back(table.cells[i]);
  }
  std::string row;
  for (const auto& place : places) {
    row += place + " | ";
    for (const auto& m : vocabulary.find(place)) {
      subject.entities.push_back(m.what);
      subject.named.push_back(m.what);
    }
  }
  subject.claim = read_claim(row, row, subject.metric, negative);
  return subject;
}

bool names_all(const KnownFigure& known, const std::vector<std::string>& entities) {
  return std::all_of(entities.begin(), entities.end(), [&](const std::string& e) {
    return std::any_of(known.entities.begin(), known.entities.end(),
                       [&](const std::string& k) { return same_entity(k, e); });
  });
}

// "in 300 words", "a 500-word summary": the text describes itself.
bool is_word_count(std::string_view text, const NumberInText& number) {
  std::size_t at = number.offset + number.text_as_written.size();
  if (at < text.size() && (text[at] == ' ' || text[at] == '-')) ++at;
  return text.substr(at).starts_with("words") || text.substr(at).starts_with("word");
}

struct Candidates {
  std::vector<KnownFigure> same_subject;
  std::vector<KnownFigure> other_subject;
  std::vector<KnownFigure> other_metric;  // the value, but of a metric the text does not name
  // The value and metric, but not what the sentence claims (statistic, time
  // and place, setting, sign, an entity), with why.
  std::vector<std::pair<KnownFigure, std::string>> refused;
};

// Whether a known figure's metric may be the one the text gives its figure.
//  - Ranks, indexes and ids (the "ordinal" family) stand only for ordinals:
//    a "Rank" cell of 4 is never a "4 ms" time to first token.
//  - When words name the metric (the sentence, the table's column header or
//    row), the fact's metric (its name, else its unit; its name when the words
//    name a kind: ttft, utilization, fan speed) must be known and of
//    the same family (and kind, when both name one, or when the text names a
//    kind and no entity; a context or batch size
//    may be counted in tokens), and only a change is evidence for a change
//    ("37% higher"): a value held only by another metric, or by a column
//    whose name says nothing, is a coincidence. That figure is
//    unverified, not misattributed: misattributed means the same metric of
//    another entity.
//  - When only the unit, or nothing, says what the figure is, a fact of
//    unknown metric may be it; a known one must not conflict.
bool metric_agrees(const TextSubject& subject, const KnownFigure& known) {
  const Metric& text = subject.metric;
  const Metric fact = metric_of_known(known);
  if (fact.family == "ordinal" || text.family == "ordinal") return fact.family == text.family;
  if (metrics_conflict(text, fact)) return false;
  if (!subject.metric_named) return true;
  // A kind ("fan speed", "time to first token") needs a fact whose name says
  // what it is: a "cpu_percent" is a percent by its unit, not a fan speed.
  const bool by_name = metric_of_name(known.metric.empty() ? known.label : known.metric).known();
  if (!text.kind.empty() && !by_name) return false;
  // A kind with no entity ("time to first token ... 4 ms") is not matched by
  // a duration of unknown kind from anywhere in the data (a "min_time_ms" of
  // some benchmark): without an entity to tie them, only the kind says they
  // are the same measurement.
  if (!text.kind.empty() && fact.kind.empty() && subject.entities.empty()) return false;
  // A plain percent ("cpu_percent") does not conflict with a change, but it is
  // no evidence for "37% higher" either.
  const bool change = text.family == "change" || fact.family == "change";
  return fact.known() && !(change && fact.family != text.family);
}

std::vector<KnownFigure> value_matches(const NumberInText& number,
                                       const std::vector<const FigureSource*>& sources,
                                       const VerifyOptions& options) {
  std::vector<KnownFigure> matches;
  // "15.5" stands for anything that rounds to it: [15.45, 15.55].
  const double written = std::abs(number.value);
  const double tolerance =
      0.5 * std::pow(10.0, -number.decimals) * (1 + 1e-9) + options.relative_slack * written;
  // Conversions may ask for one value twice (0 is 0 in every unit; ms and an
  // untyped figure share the factor 1), and a common value has hundreds of
  // figures: each source is asked once per value, each figure's unit read
  // once, and a figure taken once. The relative tolerance is the same for
  // every conversion of a value, so the value is the key.
  struct Asked {
    const FigureSource* source;
    double value;
    std::vector<KnownFigure> found;
    std::vector<std::string> unit_kinds;  // known_unit_kind of each
    std::vector<char> taken;
  };
  std::vector<Asked> asked;
  auto find = [&](const FigureSource* source, double value, double rel_tol) -> Asked& {
    for (auto& a : asked) {
      if (a.source == source && a.value == value) return a;
    }
    Asked a{source, value, source->find(value, rel_tol), {}, {}};
    for (const auto& known : a.found) a.unit_kinds.push_back(known_unit_kind(known.unit));
    a.taken.assign(a.found.size(), 0);
    asked.push_back(std::move(a));
    return asked.back();
  };
  for (const auto& conversion : conversions(number.unit)) {
    const double target = written / conversion.factor;
    const double rel_tol = target > 0 ? tolerance / conversion.factor / target : 0.0;
    for (const FigureSource* source : sources) {
      if (source == nullptr) continue;
      // Signs are compared apart: "34% slower" is a change of -0.34.
      for (double signed_target : {target, -target}) {
        Asked& a = find(source, signed_target, rel_tol);
        for (std::size_t i = 0; i < a.found.size(); ++i) {
          const KnownFigure& known = a.found[i];
          if (a.taken[i] != 0 ||
              (conversion.known_unit != kAnyUnit && a.unit_kinds[i] != conversion.known_unit)) {
            continue;
          }
          if (std::abs(std::abs(known.value) * conversion.factor - written) > tolerance) continue;
          a.taken[i] = 1;
          // Another value's lookup may hold the same figure only when slack
          // widens the ranges until they overlap.
          if (options.relative_slack > 0 && already_listed(matches, known)) continue;
          matches.push_back(known);
        }
        if (target == 0) break;
      }
    }
  }
  return matches;
}

// The sign a change must have: a minus sign or a downward word means a
// negative change; "faster" a positive change of a throughput and a negative
// one of a duration.
int wanted_sign(const Claim& claim, const Metric& fact) {
  if (claim.negative) return -1;
  const int sign = direction_sign(claim.direction, fact.family == "duration");
  return sign == 0 ? 1 : sign;
}

// Why a known figure of the right value and metric is still not what the
// sentence claims, or "" when it is. docs/AGENTS.md, "Claims".
std::string claim_refusal(const TextSubject& subject, const KnownFigure& known) {
  const Claim& claim = subject.claim;
  const Metric fact = metric_of_known(known);
  if ((known.origin == FigureOrigin::kSetting || fact.family == "setting") &&
      !names_setting(claim.words, metric_key(known)) &&
      !(subject.metric.family == "setting" && !fact.kind.empty() &&
        subject.metric.kind == fact.kind)) {
    return fmt::format("{} is a setting, and the sentence does not name it", metric_key(known));
  }
  if (claim.this_run && known.origin == FigureOrigin::kArtifact) {
    return "the sentence speaks of this run; the figure is historical";
  }
  if (claim.historical && known.origin != FigureOrigin::kArtifact) {
    return "the sentence speaks of past results; the figure was measured in this run";
  }
  if (!claim.files.empty() &&
      (known.origin != FigureOrigin::kArtifact ||
       std::none_of(claim.files.begin(), claim.files.end(), [&](const std::string& file) {
         return known.source.find(file) != std::string::npos;
       }))) {
    return "the sentence names another file";
  }
  if (!is_statistic(known, claim.statistics)) {
    return fmt::format("the sentence gives a {}; the figure is not one",
                       fmt::join(claim.statistics, " and "));
  }
  if (known.entities.empty() &&
      (!subject.entities.empty() || claim.direction != Direction::kNone)) {
    return subject.entities.empty()
               ? "the figure is about no entity; the sentence states a direction"
               : "the figure is about no entity; the sentence names one";
  }
  const bool change = subject.metric.family == "change" || fact.family == "change";
  if ((change || claim.negative || known.value < 0) && known.value != 0 &&
      (known.value < 0 ? -1 : 1) != wanted_sign(claim, fact)) {
    return "the sign differs from the direction the sentence states";
  }
  return "";
}

Candidates split_by_subject(std::vector<KnownFigure> matches, const TextSubject& subject) {
  Candidates out;
  for (auto& known : matches) {
    // Another metric's figure of that value is a coincidence, not a misattribution.
    if (!metric_agrees(subject, known)) {
      out.other_metric.push_back(std::move(known));
      continue;
    }
    if (std::string why = claim_refusal(subject, known); !why.empty()) {
      out.refused.emplace_back(std::move(known), std::move(why));
      continue;
    }
    const bool entity_ok = names_all(known, subject.entities);
    (entity_ok ? out.same_subject : out.other_subject).push_back(std::move(known));
  }
  return out;
}

Span sentence_span(std::string_view text, const NumberInText& number) {
  const std::size_t at = text.rfind(number.sentence, number.offset);
  if (at != std::string_view::npos && at + number.sentence.size() > number.offset) {
    return {at, at + number.sentence.size()};
  }
  std::size_t begin = text.rfind('\n', number.offset);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  std::size_t end = text.find('\n', number.offset);
  return {begin, end == std::string_view::npos ? text.size() : end};
}

std::vector<std::string> all_entity_names(const std::vector<const FigureSource*>& sources) {
  std::vector<std::string> names;
  for (const FigureSource* s : sources) {
    if (s == nullptr) continue;
    auto more = s->entity_names();
    names.insert(names.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
  return names;
}

void classify(std::string_view text, NumberInText number, const TextSubject& subject,
              const std::vector<const FigureSource*>& sources, const VerifyOptions& options,
              VerifiedFigure& figure) {
  figure.metric = subject.metric.name();
  for (const auto& e : subject.entities) figure.entity += (figure.entity.empty() ? "" : " ") + e;
  if (is_trivial_figure(number.value, number.unit, number.decimals) ||
      is_word_count(text, number)) {
    figure.status = FigureStatus::kTrivial;
    figure.reason = is_word_count(text, number) ? "a word count" : "a whole number below 10";
    return;
  }
  if (!subject.metric.known() && subject.entities.empty()) {
    figure.status = FigureStatus::kUnverified;
    figure.reason = "no subject: the text names no metric, unit or entity for it";
    return;
  }
  Candidates candidates = split_by_subject(value_matches(number, sources, options), subject);
  if (!candidates.same_subject.empty()) {
    figure.status = FigureStatus::kVerified;
    figure.verified = true;
    figure.matches = std::move(candidates.same_subject);
    const KnownFigure& first = figure.matches.front();
    figure.reason = fmt::format("{} ({})", first.label, to_string(first.origin));
    return;
  }
  Comparison comparison{subject.entities.empty() ? "" : subject.entities.front(), subject.reference,
                        subject.compared, subject.claim};
  if (derive(number, comparison, sources, figure)) return;
  if (!candidates.other_subject.empty()) {
    figure.status = FigureStatus::kMisattributed;
    figure.matches = std::move(candidates.other_subject);
    const auto& owner = figure.matches.front().entities;
    figure.reason =
        fmt::format("the value belongs to {}", owner.empty() ? "another entity" : owner.front());
    return;
  }
  figure.status = FigureStatus::kUnverified;
  if (!candidates.refused.empty()) {
    const auto& [known, why] = candidates.refused.front();
    figure.reason = fmt::format("{}: {} ({})", why, known.label, known.source);
    return;
  }
  if (candidates.other_metric.empty()) {
    figure.reason = "no fact or measurement has this value";
    return;
  }
  const KnownFigure& other = candidates.other_metric.front();
  figure.reason = fmt::format("no fact or measurement of its metric has this value; {} ({}) does",
                              other.label, other.source);
}

}  // namespace

VerificationResult verify(std::string_view text, const std::vector<const FigureSource*>& sources,
                          const VerifyOptions& options) {
  VerificationResult result;
  const EntityVocabulary vocabulary(all_entity_names(sources));
  const auto entities = vocabulary.find(text);
  // Words inside an entity's name ("temperature" in "num_ctx=1024
  // temperature=0.8") do not name the metric.
  auto metrics = metric_mentions(text);
  std::erase_if(metrics, [&](const Mention& m) {
    return std::any_of(entities.begin(), entities.end(), [&](const Mention& e) {
      return m.offset < e.offset + e.length && e.offset < m.offset + m.length;
    });
  });
  for (auto& number : find_numbers(text)) {
    // A number inside a known name ("DataCollector-9000", "num_ctx=1024
    // temperature=0.4") is part of the name, not a figure.
    const bool in_name = std::any_of(entities.begin(), entities.end(), [&](const Mention& e) {
      return number.offset >= e.offset && number.offset < e.offset + e.length;
    });
    if (in_name) continue;
    VerifiedFigure figure;
    figure.text_as_written = number.text_as_written;
    figure.value = number.value;
    const TableContext table = table_context(text, number.offset);
    TextSubject subject;
    if (table.found) {
      subject = subject_in_table(table, number.unit, vocabulary, number.value < 0);
    } else {
      subject = subject_in_sentence(text, sentence_span(text, number), number, entities, metrics);
    }
    figure.unit = number.unit;
    figure.sentence = quote_sentence(number.sentence, number.text_as_written);
    classify(text, number, subject, sources, options, figure);
    result.figures.push_back(std::move(figure));
  }
  return result;
}

std::vector<KnownFigure> figures_in_text(std::string_view text, const std::string& source) {
  std::vector<KnownFigure> out;
  for (const auto& number : find_numbers(text)) {
    out.push_back({number.value, number.unit, number.sentence, source});
  }
  return out;
}

}  // namespace chimera::agents
