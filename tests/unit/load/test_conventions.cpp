#include <gtest/gtest.h>

#include "chimera/load/conventions.hpp"

namespace chimera::load {
namespace {

// Chunks at 200, 250, 300, 400 ms after t0; the server counted 5 tokens
// (one chunk carried two).
measure::RequestResult request() {
  measure::RequestResult r;
  r.status = measure::Status::kOk;
  measure::Timeline timeline;
  timeline.text_chunk_ms = {200, 250, 300, 400};
  r.server.eval_count = 5;
  measure::finalize(r, timeline);
  return r;
}

TEST(Conventions, EachToolsFormulaOnOneRequest) {
  const auto r = request();
  ASSERT_EQ(r.output_tokens, 5);
  EXPECT_DOUBLE_EQ(*vllm_tpot_ms(r), 50.0);        // (400 − 200) / 4
  EXPECT_DOUBLE_EQ(*r.tpot_ms, *vllm_tpot_ms(r));  // Chimera's tpot is vLLM's
  EXPECT_DOUBLE_EQ(*genai_perf_itl_ms(r), 50.0);
  EXPECT_DOUBLE_EQ(*guidellm_itl_ms(r), 50.0);
  EXPECT_DOUBLE_EQ(*guidellm_tpot_ms(r), 80.0);             // 400 / 5
  EXPECT_DOUBLE_EQ(*llmperf_inter_token_ms(r), 80.0);       // (200 + 50 + 50 + 100) / 5
  EXPECT_EQ(r.itl_ms, (std::vector<double>{50, 50, 100}));  // vLLM's pooled ITL samples
  const auto j = conventions_json(r);
  EXPECT_DOUBLE_EQ(j["guidellm_tpot_ms"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(j["genai_perf_itl_ms"].get<double>(), 50.0);
}

TEST(Conventions, UndefinedWhereTheFormulaIs) {
  auto one = request();
  one.output_tokens = 1;
  EXPECT_FALSE(vllm_tpot_ms(one));
  EXPECT_FALSE(guidellm_itl_ms(one));
  EXPECT_DOUBLE_EQ(*guidellm_tpot_ms(one), 400.0);
  auto failed = request();
  failed.status = measure::Status::kError;
  EXPECT_FALSE(llmperf_inter_token_ms(failed));
  EXPECT_TRUE(conventions_json(failed)["vllm_tpot_ms"].is_null());
}

}  // namespace
}  // namespace chimera::load
