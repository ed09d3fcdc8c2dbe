// The screen of a server's own statistics, with every expectation worked out
// by hand from the rule: counts from one token per 4 text chunks to 16 per
// chunk (+16), durations from 0 to the client's span × 1.05 + 50 ms, and no
// decode rate above 1,000,000 tok/s.

#include <gtest/gtest.h>

#include "chimera/measure/plausibility.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::measure {
namespace {

// `chunks` text chunks 10 ms apart from 100 ms; the last byte 20 ms after the last chunk.
Timeline timeline_of(int chunks) {
  Timeline t;
  for (int i = 0; i < chunks; ++i) t.text_chunk_ms.push_back(100 + 10.0 * i);
  if (chunks > 0) {
    t.first_byte_ms = 100;
    t.last_byte_ms = t.text_chunk_ms.back() + 20;
  }
  return t;
}

RequestResult ok_request() {
  RequestResult r;
  r.status = Status::kOk;
  return r;
}

TEST(ServerStatsPlausibility, HonestStatisticsPassUntouched) {
  auto r = ok_request();
  r.server.eval_count = 3;
  r.server.eval_ms = 20;
  r.server.prompt_eval_count = 12;
  r.server.prompt_eval_ms = 5;
  r.server.load_ms = 0;
  r.server.total_ms = 130;  // the span is 100 + 20 + 20 = 140 ms
  finalize(r, timeline_of(3));
  EXPECT_TRUE(r.server_warning.empty()) << r.server_warning;
  EXPECT_TRUE(r.server_implausible.is_null());
  EXPECT_EQ(r.output_tokens, 3);
  EXPECT_FALSE(r.output_tokens_estimated);
  EXPECT_DOUBLE_EQ(*r.decode_tps, 150.0);  // 3 / 0.020 s
  EXPECT_DOUBLE_EQ(*r.client_overhead_ms, 120 - 130.0);
}

TEST(ServerStatsPlausibility, TheLieOfAMillionTokensInOneNanosecondIsScreenedOut) {
  auto r = ok_request();
  r.server.eval_count = 1'000'000;
  r.server.eval_ms = 1e-6;
  r.server.prompt_eval_count = -3;
  r.server.total_ms = -5;
  finalize(r, timeline_of(3));
  EXPECT_FALSE(r.server.eval_count.has_value());
  EXPECT_FALSE(r.server.eval_ms.has_value());
  EXPECT_FALSE(r.server.prompt_eval_count.has_value());
  EXPECT_FALSE(r.server.total_ms.has_value());
  EXPECT_EQ(r.server_implausible["eval_count"], 1'000'000);
  EXPECT_DOUBLE_EQ(r.server_implausible["eval_ms"].get<double>(), 1e-6);
  EXPECT_EQ(r.server_implausible["prompt_eval_count"], -3);
  EXPECT_DOUBLE_EQ(r.server_implausible["total_ms"].get<double>(), -5.0);
  EXPECT_EQ(r.server_warning.rfind("server statistics implausible: ", 0), 0u) << r.server_warning;
  // The figures fall back to what the client saw: 3 chunks over 20 ms.
  EXPECT_EQ(r.output_tokens, 3);
  EXPECT_TRUE(r.output_tokens_estimated);
  EXPECT_DOUBLE_EQ(*r.decode_tps, 2 / 0.020);
  EXPECT_FALSE(r.client_overhead_ms.has_value());
  EXPECT_EQ(r.status, Status::kOk);
}

TEST(ServerStatsPlausibility, CountBoundsAreInclusive) {
  // 3 chunks: at most 16 × (3 + 1) = 64, at least 3 / 4 = 0.
  auto at_most = ok_request();
  at_most.server.eval_count = 64;
  finalize(at_most, timeline_of(3));
  EXPECT_EQ(at_most.server.eval_count, 64);
  auto beyond = ok_request();
  beyond.server.completion_tokens = 65;
  finalize(beyond, timeline_of(3));
  EXPECT_FALSE(beyond.server.completion_tokens.has_value());
  EXPECT_EQ(beyond.server_implausible["completion_tokens"], 65);
  // 40 chunks: at least 10 tokens.
  auto fewest = ok_request();
  fewest.server.eval_count = 10;
  finalize(fewest, timeline_of(40));
  EXPECT_EQ(fewest.server.eval_count, 10);
  auto too_few = ok_request();
  too_few.server.eval_count = 9;
  finalize(too_few, timeline_of(40));
  EXPECT_FALSE(too_few.server.eval_count.has_value());
}

TEST(ServerStatsPlausibility, DurationsAreBoundedByTheClientsSpanWithItsTolerance) {
  // 3 chunks: span 140 ms, limit 140 × 1.05 + 50 = 197 ms.
  auto inside = ok_request();
  inside.server.total_ms = 197;
  inside.server.load_ms = 196.9;
  finalize(inside, timeline_of(3));
  EXPECT_EQ(inside.server.total_ms, 197);
  EXPECT_EQ(inside.server.load_ms, 196.9);
  auto outside = ok_request();
  outside.server.total_ms = 197.01;
  outside.server.load_ms = 3'600'000;  // an hour-long load inside a 140 ms exchange
  finalize(outside, timeline_of(3));
  EXPECT_FALSE(outside.server.total_ms.has_value());
  EXPECT_FALSE(outside.server.load_ms.has_value());
  EXPECT_FALSE(outside.cold) << "a load time that cannot be true made the request cold";
}

TEST(ServerStatsPlausibility, NegativeCountsAndDurationsAreScreenedOut) {
  auto r = ok_request();
  r.server.prompt_tokens = -1;
  r.server.cached_tokens = -2;
  r.server.prompt_eval_ms = -0.5;
  r.server.eval_count = -7;
  finalize(r, timeline_of(2));
  for (const char* name : {"prompt_tokens", "cached_tokens", "prompt_eval_ms", "eval_count"}) {
    EXPECT_TRUE(r.server_implausible.contains(name)) << name;
  }
  EXPECT_NE(r.server_warning.find("eval_count -7 is negative"), std::string::npos)
      << r.server_warning;
}

TEST(ServerStatsPlausibility, MoreCachedThanPromptTokensCannotBeTrue) {
  auto r = ok_request();
  r.server.prompt_tokens = 10;
  r.server.cached_tokens = 11;
  finalize(r, timeline_of(2));
  EXPECT_FALSE(r.server.cached_tokens.has_value());
  EXPECT_EQ(r.server.prompt_tokens, 10);
}

TEST(ServerStatsPlausibility, ADecodeRateAboveAMillionTokensASecondIsScreenedOut) {
  // 3 tokens in 0.004 ms = 750,000 tok/s: allowed; in 0.0029 ms, 1,034,483: not.
  auto edge = ok_request();
  edge.server.eval_count = 3;
  edge.server.eval_ms = 0.004;
  finalize(edge, timeline_of(3));
  EXPECT_TRUE(edge.server.eval_ms.has_value()) << edge.server_warning;
  auto faster = ok_request();
  faster.server.eval_count = 3;
  faster.server.eval_ms = 0.0029;
  finalize(faster, timeline_of(3));
  EXPECT_FALSE(faster.server.eval_ms.has_value());
  EXPECT_EQ(faster.server.eval_count, 3);
  // With the server's rate gone, the client's: 2 tokens over 20 ms.
  EXPECT_DOUBLE_EQ(*faster.decode_tps, 100.0);
}

TEST(ServerStatsPlausibility, TheRawValuesSurviveTheStoredForm) {
  auto r = ok_request();
  r.server.eval_count = 1'000'000;
  finalize(r, timeline_of(3));
  const auto back = request_from_json(to_json(r));
  EXPECT_EQ(back.server_implausible["eval_count"], 1'000'000);
  EXPECT_EQ(back.server_warning, r.server_warning);
  EXPECT_FALSE(back.server.eval_count.has_value());
  // A second pass finds nothing new and keeps the sentence.
  const std::string warning = r.server_warning;
  screen_server_stats(r, timeline_of(3));
  EXPECT_EQ(r.server_warning, warning);
}

}  // namespace
}  // namespace chimera::measure
