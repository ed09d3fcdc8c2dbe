#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "chimera/measure/request.hpp"
#include "chimera/util/json_text.hpp"

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

// Every field set, none at its default.
RequestResult fully_populated() {
  RequestResult r;
  r.id = "c1-7-t2";
  r.backend = "openai";
  r.endpoint = "http://127.0.0.1:8000";
  r.api = "chat_completions";
  r.model = "m\"odel";
  r.options = {{"max_tokens", 64}, {"temperature", 0.7}};
  r.started_at = "2026-12-02T10:00:00.000Z";
  r.warmup = true;
  r.status = Status::kError;
  r.error_kind = "truncated";
  r.error_message = "the stream ended early\n\xc3";
  r.http_status = 200;
  r.ttft_ms = 12.5;
  r.e2e_ms = 100.25;
  r.tpot_ms = 1.0 / 3.0;
  r.itl_ms = {0.1, 2.0, 1e-06};
  r.output_tokens = 64;
  r.output_tokens_estimated = true;
  r.decode_tps = 1234.5;
  r.client_overhead_ms = 0.0;
  r.cold = true;
  r.text_chunks = 63;
  r.scheduled_send_s = 1.5;
  r.send_s = 1.500123;
  r.server.load_ms = 2200.0;
  r.server.prompt_eval_ms = 11.0;
  r.server.prompt_eval_count = 29;
  r.server.eval_ms = 80.0;
  r.server.eval_count = 64;
  r.server.total_ms = 2300.0;
  r.server.prompt_tokens = 30;
  r.server.completion_tokens = 64;
  r.server.cached_tokens = 16;
  r.server.timings = {{"predicted_n", 64}};
  r.server.done_reason = "length";
  r.text = "Hello \xe2\x82\xac";
  return r;
}

TEST(RequestJson, TextIsWhatNlohmannWritesForTheSameObject) {
  for (bool include_text : {false, true}) {
    const auto text = to_json_text(fully_populated(), include_text);
    EXPECT_EQ(dump_json(nlohmann::json::parse(text)), text);
  }
  RequestResult empty;
  const auto text = to_json_text(empty);
  EXPECT_EQ(dump_json(nlohmann::json::parse(text)), text);
}

TEST(RequestJson, EveryFieldRoundTripsThroughTheText) {
  const auto r = fully_populated();
  const auto back = request_from_json(nlohmann::json::parse(to_json_text(r, true)));
  const auto again = to_json_text(back, true);
  EXPECT_EQ(again, to_json_text(r, true));
  EXPECT_EQ(back.error_message, "the stream ended early\n\xef\xbf\xbd");
  EXPECT_EQ(*back.tpot_ms, 1.0 / 3.0);
  EXPECT_EQ(back.itl_ms, r.itl_ms);
  EXPECT_EQ(*back.server.cached_tokens, 16);
  EXPECT_EQ(*back.server.done_reason, "length");
  EXPECT_EQ(*back.send_s, 1.500123);
  EXPECT_EQ(back.options["temperature"], 0.7);
  EXPECT_FALSE(to_json(r).contains("text"));
  EXPECT_EQ(to_json(r, true)["text"], "Hello \xe2\x82\xac");
}

TEST(RequestJson, NonFiniteFiguresAreWrittenAsNull) {
  RequestResult r;
  r.decode_tps = std::numeric_limits<double>::infinity();
  r.itl_ms = {std::numeric_limits<double>::quiet_NaN()};
  const auto j = nlohmann::json::parse(to_json_text(r));
  EXPECT_TRUE(j["decode_tps"].is_null());
  EXPECT_TRUE(j["itl_ms"][0].is_null());
}

}  // namespace
}  // namespace chimera::measure
