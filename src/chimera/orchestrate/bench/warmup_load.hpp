#pragma once
// How `chimera bench` warms up one configuration: at the load it then
// measures, so that whatever a server pays the first time it runs that load
// (an engine's first step at a new batch size, a parallel slot allocated, a
// model loaded) is paid before anything is timed. Sequential warm-up requests
// would leave every cost of running several at once to the measured ones.
//
//   closed loop, concurrency c, R measured requests: W warm-up requests
//     (--warmup W; by default W = min(c, R), the measured load), at most
//     min(c, W) of them in flight at once: a burst of min(c, W).
//   open loop at rate r: the measured arrival process (kind, burstiness,
//     seed, --max-concurrency; no ramp-up) at rate r for as long as the
//     measured run lasts, at most kOpenLoopWarmupS: max(W, ⌈r · T⌉) requests,
//     T = min(kOpenLoopWarmupS, duration or requests / r); W defaults to 1.
//   --warmup 0 or --cold: no warm-up.

#include <optional>
#include <string>

#include "chimera/load/arrival.hpp"
#include "chimera/orchestrate/bench/bench_runner.hpp"

namespace chimera::orchestrate {

inline constexpr double kOpenLoopWarmupS = 3.0;

struct WarmupLoad {
  int requests = 0;   // warm-up requests in all; 0: none
  int in_flight = 1;  // closed loop: at most this many at once
  // Open loop: the schedule the warm-up requests follow (requests set).
  std::optional<load::OpenLoopSpec> open_loop;
  // Set when the warm-up does not reach the measured concurrency (an
  // explicit --warmup below it): says what may land in the measured figures.
  std::string note;
};

WarmupLoad warmup_load(const RunPlan& plan);

}  // namespace chimera::orchestrate
