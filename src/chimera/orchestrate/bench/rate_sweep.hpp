#pragma once
// `--rate sweep[:N]`: which load level to measure next, decided from what was
// measured so far (load/sweep.hpp has the rules):
//   synchronous    closed loop, one request at a time, the plan's request count
//   search         closed loops at concurrency 2, 4, 8, ..., each a probe of
//                  load::probe_seconds, until completions/s gain < 5% or
//                  requests fail (load::search_throughput)
//   throughput     the knee's concurrency held for the sweep's duration
//                  (≥ 10 s): the measured maximum request rate
//   rate           N open-loop rates between the synchronous and the maximum
//                  rate, stopping at the first saturated one
//   confirmation   with an SLO: the highest rate whose p95 met it, again, for
//                  the sweep's duration

#include <optional>
#include <vector>

#include "chimera/load/slo.hpp"
#include "chimera/load/sweep.hpp"
#include "chimera/orchestrate/bench/grid.hpp"
#include "chimera/report/model.hpp"

namespace chimera::orchestrate {

struct RateSweepSettings {
  int points = 8;
  double hold_s = load::kSweepMinHoldS;  // the throughput and confirmation steps
  int max_concurrency = load::kSearchMaxConcurrency;
  std::optional<load::Slo> slo;
};

class RateSweepPlanner {
 public:
  // `options_point`: the one configuration swept, without a load level.
  RateSweepPlanner(GridPoint options_point, RateSweepSettings settings);

  GridPoint first() const;  // the synchronous step
  // The next step after what `report` holds; nullopt when the sweep is over.
  std::optional<GridPoint> next(const report::BenchReport& report);

 private:
  GridPoint at(LoadLevel level, const char* step) const;
  std::optional<GridPoint> search_or_hold(const std::vector<load::LoadRow>& rows) const;
  std::optional<GridPoint> next_rate(const std::vector<load::LoadRow>& rows);

  GridPoint base_;
  RateSweepSettings settings_;
  bool rates_planned_ = false;
  std::vector<double> rates_;
  std::size_t next_rate_ = 0;
  bool confirmation_planned_ = false;
};

}  // namespace chimera::orchestrate
