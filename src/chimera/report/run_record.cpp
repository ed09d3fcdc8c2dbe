#include "chimera/report/run_record.hpp"

namespace chimera::report {

VerificationCounts count_figures(const agents::VerificationResult& result) {
  using agents::FigureStatus;
  VerificationCounts v;
  v.figures = result.total();
  v.verified = result.count(FigureStatus::kVerified);
  v.misattributed = result.count(FigureStatus::kMisattributed);
  v.derived = result.count(FigureStatus::kDerived);
  v.unverified = result.count(FigureStatus::kUnverified);
  v.trivial = result.count(FigureStatus::kTrivial);
  for (const auto& f : result.figures) v.list.push_back(figure_json(f));
  return v;
}

namespace {

nlohmann::json known_json(const agents::KnownFigure& k) {
  nlohmann::json j = {{"origin", agents::to_string(k.origin)},
                      {"label", k.label},
                      {"where", k.source},
                      {"value", k.value}};
  if (!k.unit.empty()) j["unit"] = k.unit;
  if (!k.entities.empty()) j["entities"] = k.entities;
  if (!k.statistic.empty()) j["statistic"] = k.statistic;
  return j;
}

}  // namespace

nlohmann::json figure_json(const agents::VerifiedFigure& f) {
  using agents::FigureStatus;
  nlohmann::json j = {{"text", f.text_as_written},
                      {"value", f.value},
                      {"unit", f.unit},
                      {"class", agents::to_string(f.status)},
                      {"sentence", f.sentence},
                      {"reason", f.reason},
                      {"metric", f.metric},
                      {"entity", f.entity},
                      {"source", nullptr}};
  if (f.status == FigureStatus::kDerived && f.matches.size() == 2) {
    j["source"] = {{"formula_kind", f.formula_kind},
                   {"formula", f.formula},
                   {"figures", {known_json(f.matches[0]), known_json(f.matches[1])}}};
  } else if ((f.status == FigureStatus::kVerified || f.status == FigureStatus::kMisattributed) &&
             !f.matches.empty()) {
    j["source"] = known_json(f.matches.front());
  }
  return j;
}

}  // namespace chimera::report
