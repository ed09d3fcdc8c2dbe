#include <gtest/gtest.h>

#include "chimera/sim/timing.hpp"

namespace chimera::sim {
namespace {

ModelSpec model(double decode_tps, double prefill_tps, double load_ms, double jitter) {
  ModelSpec m;
  m.name.assign(1, 'm');  // g++ 12 warns falsely (-Wrestrict) on assigning a literal here
  m.decode_tps = decode_tps;
  m.prefill_tps = prefill_tps;
  m.load_ms = load_ms;
  m.jitter = jitter;
  return m;
}

TEST(SimTiming, NominalRatesWithoutJitter) {
  const auto m = model(100, 2000, 250, 0);
  TimingPlan plan(m, 1, true);
  EXPECT_EQ(plan.load(), std::chrono::milliseconds(250));
  EXPECT_EQ(plan.prefill(400), std::chrono::milliseconds(200));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(plan.token_gap(i), std::chrono::milliseconds(10));
}

TEST(SimTiming, JitterStaysInBoundsAndIsDeterministic) {
  const auto m = model(100, 2000, 1000, 0.2);
  TimingPlan a(m, 99, true);
  TimingPlan b(m, 99, true);
  TimingPlan c(m, 100, true);
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    const auto gap = a.token_gap(i);
    EXPECT_EQ(gap, b.token_gap(i));
    EXPECT_GE(gap, std::chrono::microseconds(8000));
    EXPECT_LE(gap, std::chrono::microseconds(12000));
    differs = differs || gap != c.token_gap(i);
  }
  EXPECT_TRUE(differs);
  EXPECT_GE(a.load(), std::chrono::milliseconds(800));
  EXPECT_LE(a.load(), std::chrono::milliseconds(1200));
}

TEST(SimTiming, RateLimitsOffMeansNoWaiting) {
  const auto m = model(100, 2000, 2500, 0.1);
  TimingPlan plan(m, 1, false);
  EXPECT_EQ(plan.load().count(), 0);
  EXPECT_EQ(plan.prefill(1000).count(), 0);
  EXPECT_EQ(plan.token_gap(3).count(), 0);
}

TEST(SimTiming, PromptTokensFromLength) {
  EXPECT_EQ(estimate_prompt_tokens(0), 1);
  EXPECT_EQ(estimate_prompt_tokens(4), 1);
  EXPECT_EQ(estimate_prompt_tokens(5), 2);
  EXPECT_EQ(estimate_prompt_tokens(400), 100);
}

TEST(SimTiming, KeepAliveDurations) {
  EXPECT_EQ(parse_keep_alive_seconds("5m"), 300);
  EXPECT_EQ(parse_keep_alive_seconds("30s"), 30);
  EXPECT_EQ(parse_keep_alive_seconds("1h30m"), 5400);
  EXPECT_EQ(parse_keep_alive_seconds("0"), 0);
  EXPECT_EQ(parse_keep_alive_seconds("-1"), -1);
  EXPECT_EQ(parse_keep_alive_seconds("250ms"), 0.25);
  EXPECT_FALSE(parse_keep_alive_seconds("soon"));
  EXPECT_FALSE(parse_keep_alive_seconds(""));
}

TEST(SimBatching, IndependentSlotsKeepTheFullRate) {
  auto m = model(100, 2000, 0, 0);
  m.batch_alpha = 0.5;  // ignored without continuous batching
  EXPECT_DOUBLE_EQ(batch_factor(m, 4), 1.0);
  TimingPlan plan(m, 1, true);
  EXPECT_EQ(plan.token_gap(0, 4), std::chrono::milliseconds(10));
}

TEST(SimBatching, AlphaCurvePerRequestAndAggregate) {
  auto m = model(100, 2000, 0, 0);
  m.continuous_batching = true;
  m.batch_alpha = 0.25;
  EXPECT_DOUBLE_EQ(batch_factor(m, 1), 1.0);
  EXPECT_DOUBLE_EQ(batch_factor(m, 2), 0.8);      // 1 / 1.25
  EXPECT_DOUBLE_EQ(batch_factor(m, 5), 0.5);      // 1 / 2
  EXPECT_DOUBLE_EQ(5 * batch_factor(m, 5), 2.5);  // the engine's aggregate grows
  TimingPlan plan(m, 1, true);
  EXPECT_EQ(plan.token_gap(3, 5), std::chrono::milliseconds(20));
  EXPECT_EQ(plan.token_gap(3, 1), std::chrono::milliseconds(10));
}

TEST(SimBatching, TableCurveInterpolatesAndSaturates) {
  auto m = model(100, 2000, 0, 0);
  m.continuous_batching = true;
  m.batch_curve = {{2, 0.9}, {4, 0.7}};
  EXPECT_DOUBLE_EQ(batch_factor(m, 1), 1.0);
  EXPECT_DOUBLE_EQ(batch_factor(m, 2), 0.9);
  EXPECT_NEAR(batch_factor(m, 3), 0.8, 1e-12);
  EXPECT_DOUBLE_EQ(batch_factor(m, 4), 0.7);
  // Past the last point the aggregate stays at 4 * 0.7 = 2.8 requests' worth.
  EXPECT_NEAR(batch_factor(m, 8), 0.35, 1e-12);
  EXPECT_NEAR(8 * batch_factor(m, 8), 2.8, 1e-12);
}

TEST(SimShapes, BucketsRoundPromptTokensUp) {
  auto m = model(100, 2000, 0, 0);
  m.shape_bucket_tokens = 256;
  EXPECT_EQ(shape_bucket(m, 1), 1);
  EXPECT_EQ(shape_bucket(m, 256), 1);
  EXPECT_EQ(shape_bucket(m, 257), 2);
  EXPECT_EQ(shape_bucket(m, 0), 1);
  m.shape_penalty_ms = 750;
  EXPECT_EQ(TimingPlan(m, 1, true).shape_penalty(), std::chrono::milliseconds(750));
  EXPECT_EQ(TimingPlan(m, 1, false).shape_penalty(), Nanos(0));
}

TEST(SimShapes, BatchSizesFallIntoPowerOfTwoBuckets) {
  EXPECT_EQ(batch_bucket(0), 0);
  EXPECT_EQ(batch_bucket(1), 0);  // one request is no batch
  EXPECT_EQ(batch_bucket(2), 2);
  EXPECT_EQ(batch_bucket(3), 4);
  EXPECT_EQ(batch_bucket(4), 4);
  EXPECT_EQ(batch_bucket(5), 8);
  EXPECT_EQ(batch_bucket(8), 8);
  EXPECT_EQ(batch_bucket(9), 16);
  EXPECT_EQ(batch_bucket(64), 64);
  auto m = model(100, 2000, 0, 0);
  m.batch_penalty_ms = 3000;
  EXPECT_EQ(TimingPlan(m, 1, true).batch_penalty(), std::chrono::milliseconds(3000));
  EXPECT_EQ(TimingPlan(m, 1, false).batch_penalty(), Nanos(0));
}

}  // namespace
}  // namespace chimera::sim
