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

TEST(SweepRates, EvenlyStrictlyBetweenRoundedToThreeDigits) {
  const auto rates = sweep_rates(2, 12, 4);
  ASSERT_TRUE(rates);
  EXPECT_EQ(*rates, (std::vector<double>{4, 6, 8, 10}));
  // 1.5 + (200 − 1.5)·i/4: 51.125, 100.75, 150.375 → 51.1, 101, 150.
  EXPECT_EQ(*sweep_rates(1.5, 200, 3), (std::vector<double>{51.1, 101, 150}));
  // A narrow range rounds to the same value: kept once.
  EXPECT_EQ(*sweep_rates(10, 10.01, 3), (std::vector<double>{10}));
  const auto none = sweep_rates(5, 5, 4);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("was not faster than the synchronous step"),
            std::string::npos);
}

LoadRow level(int concurrency, double achieved, std::int64_t errors = 0) {
  LoadRow r;
  r.label = "c=" + std::to_string(concurrency);
  r.concurrency = concurrency;
  r.achieved_rate = achieved;
  r.requests = 100;
  r.errors = errors;
  return r;
}

TEST(ThroughputSearch, DoublesUntilTheGainFallsBelowFivePercent) {
  std::vector<LoadRow> levels{level(1, 10), level(2, 19)};
  auto s = search_throughput(levels, 1024);
  EXPECT_FALSE(s.done);
  EXPECT_EQ(s.next_concurrency, 4);
  // 4 → 36 (+89%), 8 → 37.5 (+4.2%): the knee is c=4.
  levels.push_back(level(4, 36));
  levels.push_back(level(8, 37.5));
  s = search_throughput(levels, 1024);
  ASSERT_TRUE(s.done);
  EXPECT_EQ(s.knee, 2u);
  EXPECT_NE(s.reason.find("+4.2%"), std::string::npos) << s.reason;
  EXPECT_NE(s.reason.find("c=4 is the knee"), std::string::npos) << s.reason;
  // Exactly 5% still counts as growth.
  s = search_throughput({level(1, 10), level(2, 10.5)}, 1024);
  EXPECT_FALSE(s.done);
}

TEST(ThroughputSearch, FailedRequestsStopAtTheLevelBefore) {
  auto busy = level(8, 60, 3);
  busy.rejected = 3;
  const auto s = search_throughput({level(1, 10), level(2, 20), level(4, 40), busy}, 1024);
  ASSERT_TRUE(s.done);
  EXPECT_EQ(s.knee, 2u);
  EXPECT_NE(s.reason.find("3 rejected with HTTP 429/503"), std::string::npos) << s.reason;
}

TEST(ThroughputSearch, StopsAtTheConcurrencyLimit) {
  const auto s = search_throughput({level(1, 10), level(2, 20), level(4, 40)}, 6);
  ASSERT_TRUE(s.done);
  EXPECT_EQ(s.knee, 2u);
  EXPECT_NE(s.reason.find("highest concurrency allowed (6)"), std::string::npos) << s.reason;
}

TEST(ThroughputSearch, ProbeLastsFourLatenciesWithinOneSecondAndTheHold) {
  EXPECT_DOUBLE_EQ(probe_seconds(100, 10), 1.0);    // 0.4 s → at least 1 s
  EXPECT_DOUBLE_EQ(probe_seconds(500, 10), 2.0);    // 4 × 0.5 s
  EXPECT_DOUBLE_EQ(probe_seconds(5000, 10), 10.0);  // 20 s → at most the hold
  EXPECT_DOUBLE_EQ(probe_seconds(std::nullopt, 10), 1.0);
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

TEST(Saturation, ShortStepsAreJudgedByTheirCompletionRate) {
  // 100 requests at 150/s, 330 ms each: ok / (first send to last byte) is
  // 100 / (99/150 + 0.33) = 101/s, below 90% of 150, though the server kept
  // up: its completions came 150 a second, as scheduled.
  auto kept_up = row(150, 101, 330);
  kept_up.scheduled_rate = 148;
  kept_up.completion_rate = 149;
  EXPECT_FALSE(detect_saturation({row(50, 50, 330), kept_up}).saturated);
  auto behind = kept_up;
  behind.completion_rate = 120;
  const auto s = detect_saturation({row(50, 50, 330), behind});
  ASSERT_TRUE(s.saturated);
  EXPECT_NE(s.reason.find("completed 120 requests/s of the 148 sent"), std::string::npos)
      << s.reason;
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
