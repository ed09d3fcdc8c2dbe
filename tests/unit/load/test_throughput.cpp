#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "chimera/load/throughput.hpp"

namespace chimera::load {
namespace {

RequestSpan span(double sent, double finished, bool ok, std::int64_t prompt, std::int64_t output,
                 std::vector<double> chunks, bool met_slo = false) {
  RequestSpan s;
  s.sent_s = sent;
  s.finished_s = finished;
  s.ok = ok;
  s.prompt_tokens = prompt;
  s.output_tokens = output;
  s.chunk_s = std::move(chunks);
  s.met_slo = met_slo;
  return s;
}

// Four requests worked out by hand:
//   A sent 0.0, done 2.0, ok, 10 + 4 tokens, chunks 0.5 1.0 1.5 2.0
//   B sent 0.5, done 1.5, ok, 20 + 2 tokens, chunks 1.2 1.4
//   C sent 1.0, done 3.0, error
//   D sent 2.5, done 4.0, ok, 5 + 6 tokens, chunks 3.2 3.5 3.9 (2 tokens each)
// duration 4 s; 3 ok → 0.75 req/s; 12 output tokens → 3 tok/s; 47 tokens →
// 11.75 tok/s; busy 2 + 1 + 2 + 1.5 = 6.5 s → mean in flight 1.625; A, B and
// C overlap at 1.0 s → max 3; tokens per whole second 1, 4, 1, 6 → peak 6.
const RequestSpan kA = span(0.0, 2.0, true, 10, 4, {0.5, 1.0, 1.5, 2.0}, true);
const RequestSpan kB = span(0.5, 1.5, true, 20, 2, {1.2, 1.4});
const RequestSpan kC = span(1.0, 3.0, false, 0, 0, {});
const RequestSpan kD = span(2.5, 4.0, true, 5, 6, {3.2, 3.5, 3.9}, true);

void expect_hand_computed(const ThroughputSummary& s) {
  EXPECT_EQ(s.requests, 4);
  EXPECT_EQ(s.ok, 3);
  EXPECT_DOUBLE_EQ(s.duration_s, 4.0);
  EXPECT_DOUBLE_EQ(s.requests_per_s, 0.75);
  EXPECT_EQ(s.output_tokens, 12);
  EXPECT_DOUBLE_EQ(s.output_tokens_per_s, 3.0);
  EXPECT_DOUBLE_EQ(s.total_tokens_per_s, 11.75);
  EXPECT_DOUBLE_EQ(s.mean_in_flight, 1.625);
  EXPECT_EQ(s.max_in_flight, 3);
  ASSERT_TRUE(s.peak_output_tokens_per_s);
  EXPECT_DOUBLE_EQ(*s.peak_output_tokens_per_s, 6.0);
  // ok finishes at 1.5, 2.0 and 4.0: 2 completions over 2.5 s.
  ASSERT_TRUE(s.completions_per_s);
  EXPECT_DOUBLE_EQ(*s.completions_per_s, 0.8);
  ASSERT_TRUE(s.goodput_per_s);
  EXPECT_EQ(*s.slo_met, 2);
  EXPECT_DOUBLE_EQ(*s.goodput_per_s, 0.5);
}

TEST(ThroughputAccumulator, StreamedInRunnerOrderMatchesHandComputedTruth) {
  ThroughputAccumulator acc(true);
  acc.note_sent(0.0);
  acc.note_sent(0.5);
  acc.note_sent(1.0);
  acc.add(kB);
  acc.add(kA);
  acc.note_sent(2.5);
  acc.add(kC);
  acc.add(kD);
  const auto s = acc.finish();
  expect_hand_computed(s);
  EXPECT_EQ(s.out_of_order_finishes, 0);
  const auto j = to_json(s);
  EXPECT_DOUBLE_EQ(j["output_tokens_per_s"].get<double>(), 3.0);
  EXPECT_EQ(j["max_in_flight"].get<int>(), 3);
}

TEST(ThroughputAccumulator, FromStoredSpansInAnyOrder) {
  expect_hand_computed(ThroughputAccumulator::of({kD, kC, kA, kB}, true));
}

TEST(ThroughputAccumulator, FinishLaterReportedThanASendIsStillCountedRight) {
  // B finished at 1.5 but reached the runner after D was sent at 2.5 (a slow
  // mailbox): the sweep still sees B gone before D, so at most 2 at once there.
  ThroughputAccumulator acc;
  acc.note_sent(0.5);
  acc.note_sent(2.5);
  acc.add(span(0.5, 1.5, true, 0, 1, {1.0}));
  acc.add(span(2.5, 3.0, true, 0, 1, {2.8}));
  const auto s = acc.finish();
  EXPECT_EQ(s.max_in_flight, 1);
  EXPECT_FALSE(s.goodput_per_s);
  EXPECT_DOUBLE_EQ(s.duration_s, 2.5);
}

TEST(ThroughputAccumulator, CountsOutOfOrderFinishes) {
  ThroughputAccumulator acc;
  acc.note_sent(0);
  acc.note_sent(0.1);
  acc.add(span(0, 2, true, 0, 1, {1}));
  acc.add(span(0.1, 1, true, 0, 1, {0.5}));
  EXPECT_EQ(acc.finish().out_of_order_finishes, 1);
}

TEST(ThroughputAccumulator, EmptyRunHasNoRates) {
  const auto s = ThroughputAccumulator().finish();
  EXPECT_EQ(s.requests, 0);
  EXPECT_EQ(s.duration_s, 0);
  // Without a duration there is no rate to print: null in the report, never 0.
  const auto j = to_json(s);
  for (const char* rate : {"duration_s", "requests_per_s", "output_tokens_per_s",
                           "total_tokens_per_s", "mean_in_flight", "peak_output_tokens_per_s"}) {
    EXPECT_TRUE(j[rate].is_null()) << rate << " = " << j[rate];
  }
  EXPECT_EQ(j["requests"], 0);
}

TEST(ThroughputPeak, ARunShorterThanOneSecondHasNone) {
  // 0.072 s, 712 tokens: a mean of 9,888.9 tok/s and no whole second to name a peak in.
  const auto s = ThroughputAccumulator::of({span(0, 0.072, true, 0, 712, {0.01, 0.07})});
  EXPECT_NEAR(s.output_tokens_per_s, 712 / 0.072, 1e-6);
  EXPECT_FALSE(s.peak_output_tokens_per_s);
  EXPECT_TRUE(to_json(s)["peak_output_tokens_per_s"].is_null());
}

TEST(ThroughputPeak, AShortLastPieceJoinsItsNeighbour) {
  // Run [0, 1.2]: 60 tokens in [0, 1), 60 in [1, 1.2). A whole-second count
  // would say 60/s against a mean of 100/s; the 0.2 s piece joins the first,
  // one piece of 120 tokens over 1.2 s: 100/s.
  const auto s = ThroughputAccumulator::of(
      {span(0, 0.9, true, 0, 60, {0.5}), span(0, 1.2, true, 0, 60, {1.1})});
  EXPECT_DOUBLE_EQ(s.output_tokens_per_s, 100.0);
  ASSERT_TRUE(s.peak_output_tokens_per_s);
  EXPECT_NEAR(*s.peak_output_tokens_per_s, 100.0, 1e-9);
}

TEST(ThroughputPeak, PiecesCutAtWholeSecondsOfTheRunClock) {
  // Run [0.5, 3.5]: pieces [0.5, 2) (0.5 s joined to [1, 2)) and [2, 3.5)
  // ([3, 3.5) joined to [2, 3)). Tokens: 30 at 0.7, 30 at 1.5 → 60 over 1.5 s
  // = 40/s; 90 at 2.5 and 30 at 3.2 → 120 over 1.5 s = 80/s. Mean 180/3 = 60/s.
  const auto s = ThroughputAccumulator::of({span(0.5, 1.6, true, 0, 60, {0.7, 1.5}),
                                            span(2.0, 2.6, true, 0, 90, {2.5}),
                                            span(3.0, 3.5, true, 0, 30, {3.2})});
  EXPECT_DOUBLE_EQ(s.duration_s, 3.0);
  EXPECT_DOUBLE_EQ(s.output_tokens_per_s, 60.0);
  ASSERT_TRUE(s.peak_output_tokens_per_s);
  EXPECT_NEAR(*s.peak_output_tokens_per_s, 80.0, 1e-9);
}

TEST(ThroughputPeak, TokensWithoutChunkTimesCountAtTheFinish) {
  // 50 tokens with no first-token time, finished at 1.5 in a run [0, 2.5]:
  // pieces [0, 1) and [1, 2.5): 0 and 50 + 10 tokens over 1.5 s = 40/s.
  const auto s =
      ThroughputAccumulator::of({span(0, 1.5, true, 0, 50, {}), span(0, 2.5, true, 0, 10, {2.2})});
  ASSERT_TRUE(s.peak_output_tokens_per_s);
  EXPECT_NEAR(*s.peak_output_tokens_per_s, 40.0, 1e-9);
  EXPECT_GE(*s.peak_output_tokens_per_s, s.output_tokens_per_s);
}

TEST(ThroughputPeak, NeverBelowTheMeanOverRandomRuns) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> start(0, 5), length(0.01, 3), unit(0, 1);
  std::uniform_int_distribution<int> count(1, 12), tokens(1, 400);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<RequestSpan> spans;
    const int n = count(rng);
    for (int i = 0; i < n; ++i) {
      const double sent = start(rng);
      const double done = sent + length(rng);
      std::vector<double> chunks;
      const int chunk_count = 1 + static_cast<int>(unit(rng) * 6);
      for (int c = 0; c < chunk_count; ++c) chunks.push_back(sent + (done - sent) * unit(rng));
      std::sort(chunks.begin(), chunks.end());
      spans.push_back(span(sent, done, true, 0, tokens(rng), chunks));
    }
    const auto s = ThroughputAccumulator::of(spans);
    if (s.duration_s < 1) {
      EXPECT_FALSE(s.peak_output_tokens_per_s) << trial;
      continue;
    }
    ASSERT_TRUE(s.peak_output_tokens_per_s) << trial;
    EXPECT_GE(*s.peak_output_tokens_per_s, s.output_tokens_per_s) << trial;
  }
}

TEST(SpanOf, ChunkTimesFromTtftAndGapsAndTheServersPromptCount) {
  measure::RequestResult r;
  r.status = measure::Status::kOk;
  r.ttft_ms = 100;
  r.e2e_ms = 200;
  r.itl_ms = {50, 50};
  r.output_tokens = 3;
  r.server.prompt_eval_count = 7;
  Slo slo;
  slo.ttft_ms = 150;
  const auto s = span_of(r, 2.0, 2.25, 99, &slo);
  ASSERT_EQ(s.chunk_s.size(), 3u);
  EXPECT_DOUBLE_EQ(s.chunk_s[0], 2.1);
  EXPECT_DOUBLE_EQ(s.chunk_s[2], 2.2);
  EXPECT_EQ(s.prompt_tokens, 7);
  EXPECT_TRUE(s.ok);
  EXPECT_TRUE(s.met_slo);
  r.server.prompt_eval_count.reset();
  EXPECT_EQ(span_of(r, 0, 1, 99).prompt_tokens, 99);  // no server count: the workload's
}

}  // namespace
}  // namespace chimera::load
