#include "chimera/orchestrate/bench/warmup_load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace chimera::orchestrate {
namespace {

// How long the measured open-loop schedule lasts: its duration, or its
// request count at the rate, whichever ends it first.
double open_loop_seconds(const load::OpenLoopSpec& spec) {
  double seconds = spec.duration_s.value_or(INFINITY);
  if (spec.requests) {
    seconds = std::min(seconds, static_cast<double>(*spec.requests) / spec.rate);
  }
  return std::isfinite(seconds) ? seconds : kOpenLoopWarmupS;
}

WarmupLoad open_loop_warmup(const RunPlan& plan) {
  const auto& measured = *plan.open_loop;
  WarmupLoad w;
  const double seconds = std::min(kOpenLoopWarmupS, open_loop_seconds(measured));
  const auto at_rate = static_cast<int>(std::ceil(measured.rate * seconds));
  w.requests = std::max(plan.warmup.value_or(1), at_rate);
  load::OpenLoopSpec spec = measured;
  spec.ramp_up_s = 0;
  spec.duration_s.reset();
  spec.requests = w.requests;
  w.open_loop = spec;
  w.in_flight = spec.max_concurrency > 0 ? spec.max_concurrency : w.requests;
  return w;
}

}  // namespace

WarmupLoad warmup_load(const RunPlan& plan) {
  WarmupLoad w;
  if (plan.cold || plan.warmup == 0) return w;
  if (plan.open_loop) return open_loop_warmup(plan);
  const int concurrency = std::max(1, plan.concurrency);
  const int measured_in_flight = std::max(1, std::min(concurrency, plan.runs));
  w.requests = plan.warmup.value_or(measured_in_flight);
  w.in_flight = std::min(concurrency, w.requests);
  if (w.in_flight < measured_in_flight) {
    w.note = fmt::format(
        "the warm-up ran {} request(s) at once, the measured requests up to {}: what a server "
        "pays the first time it runs that many together lands in the measured figures (the "
        "default --warmup warms up at the measured concurrency)",
        w.in_flight, measured_in_flight);
  }
  return w;
}

}  // namespace chimera::orchestrate
