#include <gtest/gtest.h>

#include "chimera/sim/request.hpp"

namespace chimera::sim {
namespace {

TEST(SimRequest, OllamaGenerate) {
  auto req = parse_generation_request(
      Api::kGenerate,
      R"({"model":"gemma3:latest","prompt":"abcdefgh","options":{"num_predict":12,"seed":4,"num_ctx":2048},"keep_alive":"1m"})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_TRUE(req->stream);  // Ollama streams by default
  EXPECT_EQ(req->max_tokens, 12);
  EXPECT_EQ(req->seed, 4u);
  EXPECT_EQ(req->load_options.num_ctx, 2048);
  EXPECT_FALSE(req->load_options.num_gpu);
  EXPECT_EQ(req->keep_alive_s, 60);
  EXPECT_EQ(req->prompt_tokens, 2);
  EXPECT_FALSE(req->load_only);
}

TEST(SimRequest, OllamaEmptyPromptLoadsOrUnloads) {
  auto req = parse_generation_request(Api::kGenerate, R"({"model":"m","keep_alive":0})");
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->load_only);
  EXPECT_EQ(req->keep_alive_s, 0);
  auto chat = parse_generation_request(Api::kChat, R"({"model":"m","messages":[]})");
  ASSERT_TRUE(chat);
  EXPECT_TRUE(chat->load_only);
}

TEST(SimRequest, OpenAiChat) {
  auto req = parse_generation_request(
      Api::kChatCompletions,
      R"({"model":"m","messages":[{"role":"user","content":"hello"}],"max_tokens":5,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->stream);
  EXPECT_TRUE(req->include_usage);
  EXPECT_EQ(req->max_tokens, 5);
  EXPECT_EQ(req->prompt_text, "user: hello\n");
  auto plain = parse_generation_request(Api::kCompletions, R"({"model":"m","prompt":"x"})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->stream);  // OpenAI does not stream by default
}

TEST(SimRequest, RejectsBadBodies) {
  EXPECT_FALSE(parse_generation_request(Api::kGenerate, "not json"));
  EXPECT_FALSE(parse_generation_request(Api::kGenerate, R"({"prompt":"x"})"));
  EXPECT_FALSE(parse_generation_request(Api::kChatCompletions, R"({"model":"m"})"));
  EXPECT_FALSE(parse_generation_request(Api::kGenerate,
                                        R"({"model":"m","prompt":"x","keep_alive":"soon"})"));
}

}  // namespace
}  // namespace chimera::sim
