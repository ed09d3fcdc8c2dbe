#include <gtest/gtest.h>

#include "chimera/measure/request.hpp"

namespace chimera::measure {
namespace {

TEST(Finalize, DerivesMetricsFromTimelineAndOllamaStats) {
  RequestResult r;
  r.server.eval_count = 5;
  r.server.eval_ms = 40.0;
  r.server.total_ms = 95.0;
  r.server.load_ms = 2.0;
  Timeline t;
  t.text_chunk_ms = {50.0, 60.0, 70.0, 80.0, 90.0};
  finalize(r, t);
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_DOUBLE_EQ(*r.ttft_ms, 50.0);
  EXPECT_DOUBLE_EQ(*r.e2e_ms, 90.0);
  EXPECT_DOUBLE_EQ(*r.tpot_ms, 10.0);  // (90 - 50) / (5 - 1)
  ASSERT_EQ(r.itl_ms.size(), 4u);
  EXPECT_DOUBLE_EQ(r.itl_ms[2], 10.0);
  EXPECT_DOUBLE_EQ(*r.decode_tps, 125.0);  // 5 / 0.040 s: the server's own rate
  EXPECT_DOUBLE_EQ(*r.client_overhead_ms, -5.0);
  EXPECT_FALSE(r.cold);
  EXPECT_FALSE(r.output_tokens_estimated);
}

TEST(Finalize, OpenAiRateUsesClientSpan) {
  RequestResult r;
  r.server.completion_tokens = 11;
  Timeline t;
  t.text_chunk_ms = {100.0, 200.0, 300.0};
  finalize(r, t);
  EXPECT_EQ(r.output_tokens, 11);
  EXPECT_DOUBLE_EQ(*r.tpot_ms, 20.0);     // (300 - 100) / 10
  EXPECT_DOUBLE_EQ(*r.decode_tps, 50.0);  // 10 tokens / 0.2 s
}

TEST(Finalize, ZeroTokensIsEmptyNeverOk) {
  RequestResult r;
  r.server.eval_count = 0;
  Timeline t;
  finalize(r, t);
  EXPECT_EQ(r.status, Status::kEmpty);
  EXPECT_FALSE(r.ttft_ms.has_value());
  EXPECT_FALSE(r.tpot_ms.has_value());
}

TEST(Finalize, CountsChunksWhenServerGivesNoCountAndFlagsEstimate) {
  RequestResult r;
  Timeline t;
  t.text_chunk_ms = {10.0, 20.0};
  finalize(r, t);
  EXPECT_EQ(r.output_tokens, 2);
  EXPECT_TRUE(r.output_tokens_estimated);
}

TEST(Finalize, ColdWhenLoadExceedsThreshold) {
  RequestResult r;
  r.server.eval_count = 3;
  r.server.eval_ms = 30;
  r.server.load_ms = 2500;
  Timeline t;
  t.text_chunk_ms = {2600, 2610, 2620};
  finalize(r, t, {.cold_threshold_ms = 1000});
  EXPECT_TRUE(r.cold);
}

TEST(Finalize, ErrorKeepsItsReason) {
  RequestResult r;
  set_error(r, "truncated", "the stream ended before the final statistics chunk");
  Timeline t;
  t.text_chunk_ms = {10.0, 20.0};
  finalize(r, t);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error_kind, "truncated");
  EXPECT_DOUBLE_EQ(*r.ttft_ms, 10.0);
}

TEST(RequestJson, RoundTrips) {
  RequestResult r;
  r.id = "r1";
  r.model = "gemma3:latest";
  r.server.eval_count = 2;
  r.server.eval_ms = 20;
  r.server.timings = {{"predicted_n", 2}};
  Timeline t;
  t.text_chunk_ms = {5.0, 15.0};
  finalize(r, t);
  const auto back = request_from_json(to_json(r));
  EXPECT_EQ(back.id, "r1");
  EXPECT_EQ(back.status, Status::kOk);
  EXPECT_EQ(back.itl_ms, r.itl_ms);
  EXPECT_EQ(*back.server.eval_count, 2);
  EXPECT_EQ(back.server.timings["predicted_n"], 2);
  EXPECT_FALSE(back.client_overhead_ms.has_value());
}

}  // namespace
}  // namespace chimera::measure
