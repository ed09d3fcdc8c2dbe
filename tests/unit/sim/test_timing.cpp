#include <gtest/gtest.h>

#include "chimera/sim/timing.hpp"

namespace chimera::sim {
namespace {

ModelSpec model(double decode_tps, double prefill_tps, double load_ms, double jitter) {
  ModelSpec m;
  m.name = "m";
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

}  // namespace
}  // namespace chimera::sim
