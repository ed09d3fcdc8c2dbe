#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "chimera/sim/wire.hpp"

namespace chimera::sim {
namespace {

using nlohmann::json;

TEST(SimWire, CreatedAtIsRfc3339NanoUtc) {
  static const std::regex re(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z)");
  EXPECT_TRUE(std::regex_match(rfc3339_now(), re)) << rfc3339_now();
}

TEST(SimWire, OllamaLinesAreValidJsonAndOmitZeros) {
  std::string line;
  append_ollama_token(line, Api::kGenerate, "m", "2024-01-01T00:00:00.5Z", "a \"quoted\"\n");
  ASSERT_EQ(line.back(), '\n');
  const auto token = json::parse(line);
  EXPECT_EQ(token["response"], "a \"quoted\"\n");
  EXPECT_EQ(token["done"], false);

  std::string final_line;
  WireStats stats{1000, 0, 3, 200, 2, 300};
  append_ollama_final(final_line, Api::kGenerate,
                      OllamaFinal{"m", "2024-01-01T00:00:00Z", "", "stop", stats, 1, true});
  const auto done = json::parse(final_line);
  EXPECT_EQ(done["done"], true);
  EXPECT_EQ(done["done_reason"], "stop");
  EXPECT_EQ(done["total_duration"], 1000);
  EXPECT_FALSE(done.contains("load_duration"));  // omitempty
  EXPECT_EQ(done["eval_count"], 2);
  EXPECT_EQ(done["context"].size(), 5u);

  std::string chat;
  append_ollama_final(chat, Api::kChat, OllamaFinal{"m", "t", "", "length", {}, 0, true});
  const auto chat_done = json::parse(chat);
  EXPECT_EQ(chat_done["message"]["role"], "assistant");
  EXPECT_FALSE(chat_done.contains("context"));
  EXPECT_FALSE(chat_done.contains("eval_count"));
}

TEST(SimWire, OpenAiChunks) {
  OpenAiIds ids{"chatcmpl-1", 1715762479, "m"};
  const auto role = json::parse(openai_chunk(Api::kChatCompletions, ids, "", true, true));
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(role["choices"][0]["delta"]["content"], "");
  EXPECT_TRUE(role["usage"].is_null());
  EXPECT_TRUE(role.contains("usage"));

  const auto plain = json::parse(openai_chunk(Api::kChatCompletions, ids, "Hi", false, false));
  EXPECT_FALSE(plain.contains("usage"));
  EXPECT_FALSE(plain["choices"][0]["delta"].contains("role"));

  const auto usage = json::parse(openai_usage_chunk(Api::kChatCompletions, ids, 24, 58));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 82);

  const auto text = json::parse(openai_chunk(Api::kCompletions, ids, "x", false, false));
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "x");

  const auto error = json::parse(openai_error("nope", "invalid_request_error", "model_not_found"));
  EXPECT_EQ(error["error"]["code"], "model_not_found");
  EXPECT_TRUE(json::parse(openai_error("x", "server_error", ""))["error"]["code"].is_null());
}

TEST(SimWire, HttpChunkFraming) {
  std::string out;
  append_http_chunk(out, std::string(26, 'x'));
  EXPECT_EQ(out, "1a\r\n" + std::string(26, 'x') + "\r\n");
}

}  // namespace
}  // namespace chimera::sim
