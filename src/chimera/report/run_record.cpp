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
  return v;
}

}  // namespace chimera::report
