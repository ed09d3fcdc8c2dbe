#include <gtest/gtest.h>

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
  EXPECT_DOUBLE_EQ(s.peak_output_tokens_per_s, 6.0);
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
