#include "chimera/agents/verification.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

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

// The unit of a known figure as conversions() names it. A unit the written
// figures cannot carry ("samples/s", "1/s") stays itself, so that it matches
// only bare numbers rather than passing for "unknown".
std::string known_unit_kind(std::string_view unit) {
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
  if (unit.empty()) return "";
  const std::string lowered = lowercase(unit);
  if (lowered == "count" || lowered == "us" || lowered == "ns") return lowered;
  if (lowered == "pct" || lowered == "percent") return "%";
  std::string canonical = canonical_unit(unit);
  return canonical.empty() ? lowered : canonical;
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
    case FigureStatus::kTrivial:
      return "trivial";
    case FigureStatus::kUnverified:
      break;
  }
  return "unverified";
}

bool is_trivial_figure(double value, std::string_view unit, int decimals) {
  return unit.empty() && decimals == 0 && std::abs(value) < 10;
}

FigureSource::~FigureSource() = default;

VectorFigureSource::VectorFigureSource(std::vector<KnownFigure> figures)
    : figures_(std::move(figures)) {
  std::sort(figures_.begin(), figures_.end(),
            [](const KnownFigure& a, const KnownFigure& b) { return a.value < b.value; });
}

std::vector<KnownFigure> VectorFigureSource::find(double value, double rel_tol) const {
  const double tol = std::abs(value) * std::max(rel_tol, 0.0);
  auto lo = std::lower_bound(figures_.begin(), figures_.end(), value - tol,
                             [](const KnownFigure& f, double v) { return f.value < v; });
  std::vector<KnownFigure> out;
  for (auto it = lo; it != figures_.end() && it->value <= value + tol; ++it) out.push_back(*it);
  return out;
}

namespace {

std::size_t count_with(const std::vector<VerifiedFigure>& figures, FigureStatus status) {
  return static_cast<std::size_t>(std::count_if(figures.begin(), figures.end(),
                                                [&](const auto& f) { return f.status == status; }));
}

std::vector<VerifiedFigure> those_with(const std::vector<VerifiedFigure>& figures,
                                       FigureStatus status) {
  std::vector<VerifiedFigure> out;
  for (const auto& f : figures) {
    if (f.status == status) out.push_back(f);
  }
  return out;
}

}  // namespace

std::size_t VerificationResult::verified_count() const {
  return count_with(figures, FigureStatus::kVerified);
}
std::size_t VerificationResult::unverified_count() const {
  return count_with(figures, FigureStatus::kUnverified);
}
std::size_t VerificationResult::trivial_count() const {
  return count_with(figures, FigureStatus::kTrivial);
}
std::vector<VerifiedFigure> VerificationResult::unverified() const {
  return those_with(figures, FigureStatus::kUnverified);
}
std::vector<VerifiedFigure> VerificationResult::trivial() const {
  return those_with(figures, FigureStatus::kTrivial);
}

VerificationResult verify(std::string_view text, const std::vector<const FigureSource*>& sources,
                          const VerifyOptions& options) {
  VerificationResult result;
  for (auto& number : find_numbers(text)) {
    VerifiedFigure figure;
    figure.text_as_written = number.text_as_written;
    figure.value = number.value;
    figure.unit = number.unit;
    figure.sentence = number.sentence;
    if (is_trivial_figure(number.value, number.unit, number.decimals)) {
      figure.status = FigureStatus::kTrivial;
      result.figures.push_back(std::move(figure));
      continue;
    }
    // "15.5" stands for anything that rounds to it: [15.45, 15.55].
    const double written = std::abs(number.value);
    const double tolerance =
        0.5 * std::pow(10.0, -number.decimals) * (1 + 1e-9) + options.relative_slack * written;
    for (const auto& conversion : conversions(number.unit)) {
      const double target = written / conversion.factor;
      const double rel_tol = target > 0 ? tolerance / conversion.factor / target : 0.0;
      for (const FigureSource* source : sources) {
        if (source == nullptr) continue;
        // Signs are compared apart: "34% slower" is a change of -0.34.
        for (double signed_target : {target, -target}) {
          for (auto& known : source->find(signed_target, rel_tol)) {
            if (conversion.known_unit != kAnyUnit &&
                known_unit_kind(known.unit) != conversion.known_unit) {
              continue;
            }
            if (std::abs(std::abs(known.value) * conversion.factor - written) > tolerance) continue;
            if (!already_listed(figure.matches, known)) figure.matches.push_back(std::move(known));
          }
          if (target == 0) break;
        }
      }
    }
    figure.verified = !figure.matches.empty();
    figure.status = figure.verified ? FigureStatus::kVerified : FigureStatus::kUnverified;
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
