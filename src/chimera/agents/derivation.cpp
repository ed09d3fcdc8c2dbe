#include "chimera/agents/derivation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

namespace chimera::agents {
namespace {

// +1: the subject's value is the larger; -1: the smaller; 0: not stated.
int stated_order(const Comparison& c, const Metric& metric) {
  Direction d =
      c.claim.direction != Direction::kNone ? c.claim.direction : c.claim.sentence_direction;
  if (d == Direction::kNone && c.claim.negative) d = Direction::kDown;
  return direction_sign(d, metric.family == "duration");
}

bool speed_words(const Comparison& c) {
  for (Direction d : {c.claim.direction, c.claim.sentence_direction}) {
    if (d == Direction::kFaster || d == Direction::kSlower) return true;
  }
  return false;
}

// Whether normalised `words` hold a column's whole name ("model_size_bytes"
// as "model size bytes").
bool names_column(const std::string& words, const std::string& name) {
  const std::string own = normalise_words(name);
  if (own.size() < 3) return false;
  for (std::size_t at = words.find(own); at != std::string::npos; at = words.find(own, at + 1)) {
    const std::size_t end = at + own.size();
    const auto word = [&](std::size_t i) {
      return std::isalnum(static_cast<unsigned char>(words[i])) != 0;
    };
    if ((at == 0 || !word(at - 1)) && (end >= words.size() || !word(end))) return true;
  }
  return false;
}

// The fact's metric is the one the sentence names (a known metric, or the
// column by its own name); for "faster" or "slower" alone, a throughput or a
// latency (a time to first token or an end-to-end time; not an eval or load
// duration, which grow with the work done).
bool metric_fits(const Comparison& c, const KnownFigure& known, const Metric& fact) {
  if (fact.family == "ordinal") return false;
  // A column the sentence names by its own name ("in Response Chars").
  if (!c.metric.known() && names_column(c.claim.words, metric_key(known))) return true;
  if (!fact.known()) return false;
  if (c.metric.known()) {
    return fact.family == c.metric.family && (c.metric.kind.empty() || fact.kind == c.metric.kind);
  }
  return speed_words(c) &&
         (fact.family == "throughput" ||
          (fact.family == "duration" && (fact.kind == "ttft" || fact.kind == "latency")));
}

// The statistic the sentence names; when it names none, a central one by its
// name (a best or worst row's figure is that row's value).
bool statistic_fits(const Claim& claim, const KnownFigure& f) {
  if (!claim.statistics.empty()) return is_statistic(f, claim.statistics);
  if (f.statistic == "count") return false;
  const std::string s = statistic_of_name(metric_key(f));
  return s.empty() || s == "mean" || s == "median";
}

// What a figure is of its column for comparing: a best or worst row's figure
// is a row like any other.
std::string row_statistic(const KnownFigure& f) {
  return f.statistic == "max" || f.statistic == "min" ? "" : f.statistic;
}

bool is_about(const KnownFigure& f, const std::string& entity) {
  return std::any_of(f.entities.begin(), f.entities.end(),
                     [&](const std::string& e) { return same_entity(e, entity); });
}

// Two figures are comparable rows: one group (file or table, or this run), one
// origin, one column or key, one statistic.
bool comparable(const KnownFigure& a, const KnownFigure& b) {
  return a.group == b.group && a.origin == b.origin && metric_key(a) == metric_key(b) &&
         row_statistic(a) == row_statistic(b);
}

// Written value per known value for a difference in the metric's own unit; 0
// when the units do not convert.
double difference_factor(const std::string& written, const std::string& known) {
  if (written == known || known.empty()) return 1;
  if (written == "ms" && known == "s") return 1000;
  if (written == "s" && known == "ms") return 1e-3;
  return 0;
}

struct Formula {
  std::string kind;
  std::string text;
};

std::optional<Formula> formula_for(const NumberInText& number, const Comparison& c,
                                   const Metric& metric, const KnownFigure& a,
                                   const KnownFigure& b) {
  const double written = std::abs(number.value);
  const double tolerance = 0.5 * std::pow(10.0, -number.decimals) * (1 + 1e-9);
  const int order = stated_order(c, metric);
  const int actual = a.value > b.value ? 1 : (a.value < b.value ? -1 : 0);
  const std::string va = fmt::format("{:g}", a.value);
  const std::string vb = fmt::format("{:g}", b.value);
  const bool times = number.unit.empty() && c.claim.words.find(" times") != std::string::npos;
  if (number.unit == "%") {
    if (order == 0 || actual != order) return std::nullopt;
    if (c.claim.percentage_points) {
      const double scale = known_unit_kind(a.unit) == "fraction" ? 100 : 1;
      const double points = (a.value - b.value) * scale;
      if (std::abs(std::abs(points) - written) > tolerance) return std::nullopt;
      return Formula{"percentage points", fmt::format("{} - {} = {:+.{}f} percentage points", va,
                                                      vb, points, number.decimals)};
    }
    if (b.value == 0) return std::nullopt;
    const double change = (a.value - b.value) / std::abs(b.value) * 100;
    if (std::abs(std::abs(change) - written) > tolerance) return std::nullopt;
    return Formula{"relative change",
                   fmt::format("({} - {}) / {} = {:+.{}f}%", va, vb, vb, change, number.decimals)};
  }
  if (number.unit == "x" || times) {
    if (order != 0 && actual != order) return std::nullopt;
    const bool inverse = order < 0;
    const double num = inverse ? b.value : a.value;
    const double den = inverse ? a.value : b.value;
    if (den == 0) return std::nullopt;
    if (std::abs(num / den - written) > tolerance) return std::nullopt;
    return Formula{"ratio", fmt::format("{} / {} = {:.{}f}", inverse ? vb : va, inverse ? va : vb,
                                        num / den, number.decimals)};
  }
  const double factor = difference_factor(number.unit, known_unit_kind(a.unit));
  if (number.unit.empty() || factor == 0 || order == 0 || actual != order) return std::nullopt;
  const double difference = (a.value - b.value) * factor;
  if (std::abs(std::abs(difference) - written) > tolerance) return std::nullopt;
  return Formula{"difference", fmt::format("{} - {} = {:+.{}f} {}", va, vb, difference,
                                           number.decimals, number.unit)};
}

// One figure per metric, group, origin and statistic of an entity. Several
// rows of one column (one per request or prompt) stand for the entity through
// their mean: pairing any row of one entity with any row of the other would
// let a random percentage find some pair it fits.
std::vector<KnownFigure> figures_about(const std::vector<const FigureSource*>& sources,
                                       const std::string& entity) {
  std::map<std::tuple<std::string, std::string, int, std::string>, std::vector<KnownFigure>> rows;
  for (const FigureSource* s : sources) {
    if (s == nullptr) continue;
    for (auto& f : s->about(entity, 4096)) {
      auto key = std::make_tuple(metric_key(f), f.group, static_cast<int>(f.origin), f.statistic);
      rows[std::move(key)].push_back(std::move(f));
    }
  }
  std::vector<KnownFigure> out;
  for (auto& [key, figures] : rows) {
    if (figures.size() == 1) {
      out.push_back(std::move(figures.front()));
      continue;
    }
    KnownFigure mean = figures.front();
    double sum = 0;
    for (const auto& f : figures) sum += f.value;
    mean.value = sum / static_cast<double>(figures.size());
    mean.label = fmt::format("{} (mean of {} rows)", metric_key(mean), figures.size());
    mean.source = fmt::format("{} and {} more rows", figures.front().source, figures.size() - 1);
    mean.statistic = "mean";
    mean.entities = {entity};
    out.push_back(std::move(mean));
  }
  return out;
}

}  // namespace

bool derive(const NumberInText& number, const Comparison& comparison,
            const std::vector<const FigureSource*>& sources, VerifiedFigure& figure) {
  const Comparison& c = comparison;
  if (c.subject.empty() || c.reference.empty() || same_entity(c.subject, c.reference)) {
    return false;
  }
  if (number.unit != "%" && number.unit != "x" && number.unit.empty() &&
      c.claim.words.find(" times") == std::string::npos) {
    return false;
  }
  std::unordered_multimap<std::string, KnownFigure> references;
  for (auto& b : figures_about(sources, c.reference)) {
    if (!is_about(b, c.subject)) references.emplace(metric_key(b), std::move(b));
  }
  for (const auto& a : figures_about(sources, c.subject)) {
    if (is_about(a, c.reference)) continue;
    if (!c.claim.files.empty() &&
        std::none_of(c.claim.files.begin(), c.claim.files.end(), [&](const std::string& file) {
          return a.source.find(file) != std::string::npos;
        })) {
      continue;
    }
    // This run's sentence needs this run's measurements; a historical one, artifacts.
    if ((c.claim.this_run && a.origin != FigureOrigin::kMeasured) ||
        (c.claim.historical && a.origin != FigureOrigin::kArtifact)) {
      continue;
    }
    const Metric metric = metric_of_known(a);
    if (!metric_fits(c, a, metric) || !statistic_fits(c.claim, a)) continue;
    const auto [lo, hi] = references.equal_range(metric_key(a));
    for (auto it = lo; it != hi; ++it) {
      const KnownFigure& b = it->second;
      if (!comparable(a, b)) continue;
      const auto formula = formula_for(number, c, metric, a, b);
      if (!formula) continue;
      figure.status = FigureStatus::kDerived;
      figure.formula_kind = formula->kind;
      figure.formula =
          fmt::format("{} of {} vs {}: {}", metric_key(a), c.subject, c.reference, formula->text);
      figure.reason = fmt::format("{} of {} against {} ({})", formula->kind, c.subject, c.reference,
                                  to_string(a.origin));
      figure.matches = {a, b};
      return true;
    }
  }
  return false;
}

}  // namespace chimera::agents
