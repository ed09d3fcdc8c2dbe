#include <gtest/gtest.h>

#include "chimera/load/sweep.hpp"

namespace chimera::load {
namespace {

LoadRow row(double target, double achieved, double e2e_p50, double ttft_p95 = 100) {
  LoadRow r;
  r.label = "rate " + std::to_string(target);
  r.target_rate = target;
  r.achieved_rate = achieved;
  r.e2e_p50_ms = e2e_p50;
  r.e2e_p95_ms = e2e_p50 * 1.2;
  r.ttft_p95_ms = ttft_p95;
  r.tpot_p95_ms = 20;
  r.requests = 100;
  return r;
}

TEST(RateSpec, ListsAndSweep) {
  auto spec = parse_rate_spec("8,1,2,4,2");
  ASSERT_TRUE(spec);
  EXPECT_FALSE(spec->sweep);
  EXPECT_EQ(spec->rates, (std::vector<double>{1, 2, 4, 8}));
  EXPECT_TRUE(parse_rate_spec("sweep")->sweep);
  EXPECT_EQ(parse_rate_spec("sweep:5")->sweep_points, 5);
  EXPECT_NE(parse_rate_spec("1,x").error().message.find("'x'"), std::string::npos);
  EXPECT_FALSE(parse_rate_spec("0"));
  EXPECT_FALSE(parse_rate_spec("1,,2"));
  EXPECT_FALSE(parse_rate_spec("sweep:0"));
}

TEST(SweepPlanner, SynchronousThenThroughputThenRatesStrictlyBetween) {
  const auto first = sweep_first_steps();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].kind, SweepStepKind::kSynchronous);
  EXPECT_EQ(first[1].kind, SweepStepKind::kThroughput);
  const auto steps = sweep_rate_steps(2, 12, 4);
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 4u);
  const double expected[] = {4, 6, 8, 10};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*steps)[i].kind, SweepStepKind::kRate);
    EXPECT_DOUBLE_EQ((*steps)[i].rate, expected[i]);
  }
  EXPECT_EQ((*steps)[0].label(), "rate 4/s");
  const auto none = sweep_rate_steps(5, 5, 4);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("not faster than the synchronous run"), std::string::npos);
}

TEST(Saturation, NoneOnAServerThatKeepsUp) {
  const std::vector<LoadRow> rows{row(1, 1, 100), row(2, 2, 105), row(4, 3.98, 120)};
  EXPECT_FALSE(detect_saturation(rows).saturated);
}

TEST(Saturation, LatencyGrowsWhileThroughputIsFlat) {
  // A server that tops out at 4 requests/s, offered more with a bounded client.
  const std::vector<LoadRow> rows{row(1, 1, 100), row(2, 2, 110), row(4, 3.9, 150),
                                  row(4.2, 4.0, 400), row(4.4, 4.0, 900)};
  const auto s = detect_saturation(rows);
  ASSERT_TRUE(s.saturated);
  EXPECT_EQ(s.step, 3u);
  EXPECT_NE(s.reason.find("median latency rose 2.67x"), std::string::npos) << s.reason;
}

TEST(Saturation, CompletionsBelowTheTargetRate) {
  const std::vector<LoadRow> rows{row(1, 1, 100), row(8, 5, 3000)};
  const auto s = detect_saturation(rows);
  ASSERT_TRUE(s.saturated);
  EXPECT_EQ(s.step, 1u);
  EXPECT_NE(s.reason.find("grows without bound"), std::string::npos);
}

TEST(Saturation, ServerRejectsWith503) {
  auto busy = row(3, 2.98, 100);
  busy.rejected = 5;
  const auto s = detect_saturation({row(1, 1, 100), busy});
  ASSERT_TRUE(s.saturated);
  EXPECT_EQ(s.step, 1u);
  EXPECT_NE(s.reason.find("rejected 5 of 100"), std::string::npos);
}

TEST(Goodput, HighestRateWhoseP95MeetsTheSlo) {
  const Slo slo = *parse_slo("ttft=500ms,e2e=2s");
  // e2e p95 = 1.2 × p50; ttft p95 given.
  std::vector<LoadRow> rows{row(1, 1, 800, 100), row(2, 2, 1500, 300), row(4, 4, 1600, 450),
                            row(8, 7, 1700, 900)};
  const auto best = highest_rate_meeting(slo, rows);
  ASSERT_TRUE(best);
  EXPECT_EQ(*best, 2u);  // 4/s: e2e p95 1920 ms, ttft p95 450 ms; 8/s misses TTFT
  rows[2].e2e_p95_ms = 2100;
  EXPECT_EQ(*highest_rate_meeting(slo, rows), 1u);
  EXPECT_FALSE(highest_rate_meeting(*parse_slo("ttft=1ms"), rows));
  const auto j = to_json(rows[2]);
  EXPECT_EQ(j["e2e_ms"]["p95"].get<double>(), 2100);
  EXPECT_EQ(j["target_rate"].get<double>(), 4);
}

}  // namespace
}  // namespace chimera::load
