// The warm-up rules, worked by hand from docs/METRICS.md: `chimera bench`
// warms up at the measured load, `chimera run` warms up the concurrent phase
// in the first run of a process.
#include <gtest/gtest.h>

#include "chimera/orchestrate/bench/warmup_load.hpp"
#include "chimera/orchestrate/run/run_warmup.hpp"

namespace chimera::orchestrate {
namespace {

RunPlan closed(int concurrency, int runs, std::optional<int> warmup = std::nullopt) {
  RunPlan plan;
  plan.concurrency = concurrency;
  plan.runs = runs;
  plan.warmup = warmup;
  return plan;
}

TEST(BenchWarmupLoad, ClosedLoopIsABurstAtTheMeasuredConcurrency) {
  auto w = warmup_load(closed(4, 8));  // default: min(c, R) = 4, all at once
  EXPECT_EQ(w.requests, 4);
  EXPECT_EQ(w.in_flight, 4);
  EXPECT_TRUE(w.note.empty());
  w = warmup_load(closed(8, 3));  // the measured requests never exceed 3 in flight
  EXPECT_EQ(w.requests, 3);
  EXPECT_EQ(w.in_flight, 3);
  w = warmup_load(closed(1, 5));  // synchronous: one
  EXPECT_EQ(w.requests, 1);
  EXPECT_EQ(w.in_flight, 1);
  EXPECT_TRUE(w.note.empty());
  w = warmup_load(closed(4, 8, 10));  // more than c: c at a time
  EXPECT_EQ(w.requests, 10);
  EXPECT_EQ(w.in_flight, 4);
  EXPECT_TRUE(w.note.empty());
  EXPECT_FALSE(w.open_loop);
}

TEST(BenchWarmupLoad, AWarmUpBelowTheMeasuredConcurrencyIsObeyedAndNoted) {
  const auto w = warmup_load(closed(4, 8, 2));
  EXPECT_EQ(w.requests, 2);
  EXPECT_EQ(w.in_flight, 2);
  EXPECT_NE(w.note.find("2 request(s) at once, the measured requests up to 4"), std::string::npos)
      << w.note;
}

TEST(BenchWarmupLoad, NoneWhenAskedForNoneOrCold) {
  EXPECT_EQ(warmup_load(closed(4, 8, 0)).requests, 0);
  auto cold = closed(1, 5);
  cold.cold = true;
  EXPECT_EQ(warmup_load(cold).requests, 0);
  EXPECT_TRUE(warmup_load(cold).note.empty());
}

RunPlan open_loop_plan(double rate, std::optional<double> duration,
                       std::optional<std::int64_t> requests,
                       std::optional<int> warmup = std::nullopt) {
  RunPlan plan;
  plan.warmup = warmup;
  load::OpenLoopSpec spec;
  spec.rate = rate;
  spec.duration_s = duration;
  spec.requests = requests;
  spec.ramp_up_s = 5;
  spec.max_concurrency = 16;
  spec.arrival = load::ArrivalKind::kGamma;
  spec.burstiness = 0.5;
  plan.open_loop = spec;
  return plan;
}

TEST(BenchWarmupLoad, OpenLoopFollowsTheMeasuredRateForUpToThreeSeconds) {
  auto w = warmup_load(open_loop_plan(100, 60.0, std::nullopt));  // 3 s at 100/s
  ASSERT_TRUE(w.open_loop);
  EXPECT_EQ(w.requests, 300);
  EXPECT_EQ(w.open_loop->requests, 300);
  EXPECT_FALSE(w.open_loop->duration_s);
  EXPECT_DOUBLE_EQ(w.open_loop->rate, 100);
  EXPECT_DOUBLE_EQ(w.open_loop->ramp_up_s, 0);  // at the rate from the start
  EXPECT_EQ(w.open_loop->arrival, load::ArrivalKind::kGamma);
  EXPECT_DOUBLE_EQ(w.open_loop->burstiness, 0.5);
  EXPECT_EQ(w.open_loop->max_concurrency, 16);
  EXPECT_EQ(w.in_flight, 16);
  // A measured run shorter than 3 s: 20 requests at 20/s last 1 s.
  EXPECT_EQ(warmup_load(open_loop_plan(20, std::nullopt, 20)).requests, 20);
  // Whichever ends the measured run first: 1.5 s of 10/s.
  EXPECT_EQ(warmup_load(open_loop_plan(10, 1.5, 1000)).requests, 15);
  // Slow rates: at least W (default 1).
  EXPECT_EQ(warmup_load(open_loop_plan(0.1, 100.0, std::nullopt)).requests, 1);
  EXPECT_EQ(warmup_load(open_loop_plan(0.1, 100.0, std::nullopt, 5)).requests, 5);
  EXPECT_EQ(warmup_load(open_loop_plan(100, 60.0, std::nullopt, 0)).requests, 0);
}

TEST(RunWarmupPlan, TheConcurrentPhaseOnceInTheFirstRunOfAProcess) {
  auto plan = run_warmup_plan(1, 2, true);
  EXPECT_EQ(plan.passes, 1);
  EXPECT_TRUE(plan.concurrent);
  EXPECT_FALSE(run_warmup_plan(1, 2, false).concurrent);  // later runs: the server has seen it
  EXPECT_EQ(run_warmup_plan(3, 5, false).passes, 3);
  EXPECT_FALSE(run_warmup_plan(1, 1, true).concurrent);  // one agent: no concurrent shape
  plan = run_warmup_plan(0, 2, true);                    // --warmup 0: nothing at all
  EXPECT_EQ(plan.passes, 0);
  EXPECT_FALSE(plan.concurrent);
}

}  // namespace
}  // namespace chimera::orchestrate
