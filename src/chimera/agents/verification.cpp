#include "chimera/agents/verification.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "chimera/agents/numbers.hpp"

namespace chimera::agents {

namespace {

struct Conversion {
  std::string_view known_unit;  // canonical unit of the known figure
  double factor;                // written value = known value * factor
};

// How a figure written in `unit` may relate to a known figure. A unitless known
// figure (a CSV cell whose unit the column name does not tell) is accepted as is.
std::vector<Conversion> conversions(std::string_view unit) {
  if (unit == "ms") return {{"ms", 1}, {"s", 1000}, {"min", 60000}, {"", 1}};
  if (unit == "s") return {{"s", 1}, {"ms", 0.001}, {"min", 60}, {"", 1}};
  if (unit == "min") return {{"min", 1}, {"s", 1.0 / 60}, {"ms", 1.0 / 60000}, {"", 1}};
  if (unit == "%") return {{"%", 1}, {"fraction", 100}, {"", 100}, {"", 1}};
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
  if (unit.empty()) return {{"*", 1}};  // a bare number may stand for a figure of any unit
  return {{unit, 1}, {"", 1}};          // tok/s, x, tokens, B
}

std::string canonical_known_unit(const std::string& unit) {
  if (unit == "fraction" || unit == "ratio") return "fraction";
  return canonical_unit(unit);
}

bool already_listed(const std::vector<KnownFigure>& matches, const KnownFigure& figure) {
  return std::any_of(matches.begin(), matches.end(), [&](const KnownFigure& m) {
    return m.label == figure.label && m.source == figure.source && m.value == figure.value;
  });
}

}  // namespace

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

std::size_t VerificationResult::verified_count() const {
  return static_cast<std::size_t>(
      std::count_if(figures.begin(), figures.end(), [](const auto& f) { return f.verified; }));
}

std::vector<VerifiedFigure> VerificationResult::unverified() const {
  std::vector<VerifiedFigure> out;
  for (const auto& f : figures) {
    if (!f.verified) out.push_back(f);
  }
  return out;
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
            if (conversion.known_unit != "*" &&
                canonical_known_unit(known.unit) != conversion.known_unit) {
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
