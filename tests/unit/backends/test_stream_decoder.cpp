#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "chimera/backends/stream_decoder.hpp"

namespace chimera::backends {
namespace {

using Factory = std::function<std::unique_ptr<StreamDecoder>()>;
const Factory ollama_decoder = [] { return make_ollama_decoder(); };
const Factory openai_decoder = [] { return make_openai_decoder(); };

// Feeds `input` cut at `cut`, stamping the second piece 1 ms after the first.
std::unique_ptr<StreamDecoder> decode(const Factory& factory, const std::string& input,
                                      std::size_t cut = std::string::npos) {
  auto decoder = factory();
  const auto t = http::Clock::time_point{};
  const std::string_view all(input);
  const auto first = all.substr(0, std::min(cut, all.size()));
  decoder->feed(first, t);
  if (first.size() < all.size())
    decoder->feed(all.substr(first.size()), t + std::chrono::milliseconds(1));
  decoder->finish(t + std::chrono::milliseconds(2));
  return decoder;
}

void expect_same(const StreamState& a, const StreamState& b, std::size_t cut) {
  EXPECT_EQ(a.text, b.text) << "cut " << cut;
  EXPECT_EQ(a.text_chunk_at.size(), b.text_chunk_at.size()) << "cut " << cut;
  EXPECT_EQ(a.finished, b.finished) << "cut " << cut;
  EXPECT_EQ(a.error_kind, b.error_kind) << "cut " << cut;
  EXPECT_EQ(a.server.eval_count, b.server.eval_count) << "cut " << cut;
  EXPECT_EQ(a.server.completion_tokens, b.server.completion_tokens) << "cut " << cut;
  EXPECT_EQ(a.server.timings, b.server.timings) << "cut " << cut;
}

const std::string kOllamaGenerate =
    "{\"model\":\"m\",\"created_at\":\"2023-08-04T08:52:19Z\",\"response\":\"Caf\xC3\xA9\","
    "\"done\":false}\n"
    "{\"model\":\"m\",\"created_at\":\"2023-08-04T08:52:19Z\",\"response\":\" \xF0\x9F\x98\x80\","
    "\"done\":false}\r\n"
    "{\"model\":\"m\",\"created_at\":\"2023-08-04T08:52:19Z\",\"response\":\"\",\"done\":true,"
    "\"done_reason\":\"stop\",\"context\":[1,2,3],\"total_duration\":10706818083,"
    "\"load_duration\":6338219291,\"prompt_eval_count\":26,\"prompt_eval_duration\":130079000,"
    "\"eval_count\":259,\"eval_duration\":4232710000}\n";

TEST(OllamaDecoder, GenerateStreamGivesTextTimesAndFinalStatistics) {
  auto d = decode(ollama_decoder, kOllamaGenerate);
  const auto& s = d->state();
  EXPECT_EQ(s.text, "Caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(s.text_chunk_at.size(), 2u);
  EXPECT_TRUE(s.finished);
  EXPECT_TRUE(s.error_kind.empty());
  EXPECT_EQ(s.server.eval_count, 259);
  EXPECT_DOUBLE_EQ(*s.server.eval_ms, 4232.71);
  EXPECT_DOUBLE_EQ(*s.server.load_ms, 6338.219291);
  EXPECT_DOUBLE_EQ(*s.server.total_ms, 10706.818083);
  EXPECT_EQ(s.server.prompt_eval_count, 26);
  EXPECT_DOUBLE_EQ(*s.server.prompt_eval_ms, 130.079);
  EXPECT_EQ(s.server.done_reason, "stop");
}

TEST(OllamaDecoder, EverySplitPositionGivesTheSameResult) {
  const auto whole = decode(ollama_decoder, kOllamaGenerate);
  for (std::size_t cut = 0; cut <= kOllamaGenerate.size(); ++cut) {
    expect_same(decode(ollama_decoder, kOllamaGenerate, cut)->state(), whole->state(), cut);
  }
}

TEST(OllamaDecoder, ChunkTimeIsWhenTheLineCompleted) {
  // Cut inside the first line: it completes with the second piece, at +1 ms.
  auto d = decode(ollama_decoder, kOllamaGenerate, 10);
  ASSERT_EQ(d->state().text_chunk_at.size(), 2u);
  EXPECT_EQ(d->state().text_chunk_at[0], http::Clock::time_point{} + std::chrono::milliseconds(1));
}

TEST(OllamaDecoder, OmittedStatisticsAreZero) {
  auto d = decode(ollama_decoder,
                  "{\"response\":\"a\",\"done\":false}\n{\"response\":\"\",\"done\":true,"
                  "\"eval_count\":1,\"eval_duration\":5000000}\n");
  const auto& s = d->state().server;
  EXPECT_EQ(s.load_ms, 0.0);
  EXPECT_EQ(s.prompt_eval_count, 0);
  EXPECT_EQ(s.prompt_eval_ms, 0.0);
  EXPECT_EQ(s.total_ms, 0.0);
  EXPECT_EQ(s.eval_count, 1);
}

TEST(OllamaDecoder, ChatContentAndThinkingCountAsOutput) {
  auto d = decode(ollama_decoder,
                  "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"hm\"},"
                  "\"done\":false}\n"
                  "{\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n"
                  "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                  "\"eval_count\":2}\n");
  EXPECT_EQ(d->state().text, "Hi");
  EXPECT_EQ(d->state().text_chunk_at.size(), 2u);
  EXPECT_TRUE(d->state().finished);
}

TEST(OllamaDecoder, ErrorLineMidStreamIsAServerError) {
  auto decoder = make_ollama_decoder();
  EXPECT_EQ(decoder->feed("{\"response\":\"a\",\"done\":false}\n", {}), http::BodyAction::kToken);
  EXPECT_EQ(decoder->feed("{\"error\":\"out of memory\"}\n", {}), http::BodyAction::kStop);
  EXPECT_EQ(decoder->state().error_kind, "server_error");
  EXPECT_NE(decoder->state().error_message.find("out of memory"), std::string::npos);
}

TEST(OllamaDecoder, BrokenJsonLineIsMalformedAndStops) {
  auto decoder = make_ollama_decoder();
  EXPECT_EQ(decoder->feed("{\"response\":\"a\",\"done\":fal\n", {}), http::BodyAction::kStop);
  EXPECT_EQ(decoder->state().error_kind, "malformed");
  EXPECT_FALSE(decoder->state().finished);
}

TEST(OllamaDecoder, StreamWithoutFinalLineIsNotFinished) {
  auto d = decode(ollama_decoder, "{\"response\":\"a\",\"done\":false}\n");
  EXPECT_FALSE(d->state().finished);
  EXPECT_TRUE(d->state().error_kind.empty());
}

const std::string kOpenAiChat =
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n"
    "\n"
    ": ping\n"
    "\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"H\xC3\xA9\"},"
    "\"finish_reason\":null}],\"usage\":null}\r\n"
    "\r\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo\"},"
    "\"finish_reason\":null}],\"usage\":null}\n"
    "\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
    "\"usage\":null}\n"
    "\n"
    "data: {\"id\":\"c1\",\"choices\":null,\"usage\":{\"prompt_tokens\":24,"
    "\"completion_tokens\":2,\"total_tokens\":26},\"timings\":{\"prompt_n\":24,"
    "\"prompt_ms\":12.5,\"predicted_n\":2,\"predicted_ms\":30.1}}\n"
    "\n"
    "data: [DONE]\n"
    "\n";

TEST(OpenAiDecoder, RoleChunkIsNotATokenAndUsageAndTimingsAreRead) {
  auto d = decode(openai_decoder, kOpenAiChat);
  const auto& s = d->state();
  EXPECT_EQ(s.text, "H\xC3\xA9llo");
  EXPECT_EQ(s.text_chunk_at.size(), 2u);
  EXPECT_TRUE(s.finished);
  EXPECT_EQ(s.server.prompt_tokens, 24);
  EXPECT_EQ(s.server.completion_tokens, 2);
  EXPECT_EQ(s.server.done_reason, "stop");
  ASSERT_TRUE(s.server.timings.is_object());
  EXPECT_EQ(s.server.timings["predicted_n"], 2);
  EXPECT_DOUBLE_EQ(s.server.timings["prompt_ms"].get<double>(), 12.5);
}

// The idle limit runs between complete lines or events: bytes that finish
// none say so, however many arrive.
TEST(StreamDecoders, BytesThatCompleteNoChunkAreIncomplete) {
  auto ollama = make_ollama_decoder();
  for (char c : std::string(R"({"response":"a","done")")) {
    EXPECT_EQ(ollama->feed(std::string_view(&c, 1), {}), http::BodyAction::kIncomplete);
  }
  EXPECT_EQ(ollama->feed(":false}\n", {}), http::BodyAction::kToken);
  EXPECT_EQ(ollama->feed("{\"response\":\"\",\"done\":false}\n", {}), http::BodyAction::kContinue);
  auto openai = make_openai_decoder();
  EXPECT_EQ(openai->feed("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n", {}),
            http::BodyAction::kIncomplete);
  EXPECT_EQ(openai->feed(": keep-alive comment\n", {}), http::BodyAction::kIncomplete);
  EXPECT_EQ(openai->feed("\n", {}), http::BodyAction::kToken);
}

TEST(OpenAiDecoder, FirstChunkWithOnlyARoleReturnsContinue) {
  auto decoder = make_openai_decoder();
  EXPECT_EQ(decoder->feed(kOpenAiChat.substr(0, kOpenAiChat.find(": ping")), {}),
            http::BodyAction::kContinue);
}

TEST(OpenAiDecoder, EverySplitPositionGivesTheSameResult) {
  const auto whole = decode(openai_decoder, kOpenAiChat);
  for (std::size_t cut = 0; cut <= kOpenAiChat.size(); ++cut) {
    expect_same(decode(openai_decoder, kOpenAiChat, cut)->state(), whole->state(), cut);
  }
}

TEST(OpenAiDecoder, CompletionsUseText) {
  auto d = decode(openai_decoder,
                  "data: {\"choices\":[{\"text\":\"One\",\"finish_reason\":null}]}\n\n"
                  "data: {\"choices\":[{\"text\":\" two\",\"finish_reason\":\"length\"}]}\n\n"
                  "data: [DONE]\n\n");
  EXPECT_EQ(d->state().text, "One two");
  EXPECT_EQ(d->state().text_chunk_at.size(), 2u);
  EXPECT_FALSE(d->state().server.completion_tokens.has_value());
}

TEST(OpenAiDecoder, FinishReasonWithoutDoneMarkerStillFinishes) {
  auto d = decode(
      openai_decoder,
      "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\n");
  EXPECT_TRUE(d->state().finished);
}

TEST(OpenAiDecoder, CutOffStreamIsNotFinished) {
  auto d =
      decode(openai_decoder,
             "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n");
  EXPECT_FALSE(d->state().finished);
}

TEST(OpenAiDecoder, ErrorObjectIsAServerError) {
  auto d = decode(openai_decoder,
                  "data: {\"error\":{\"message\":\"context too long\",\"type\":\"invalid\"}}\n\n");
  EXPECT_EQ(d->state().error_kind, "server_error");
  EXPECT_NE(d->state().error_message.find("context too long"), std::string::npos);
}

TEST(OpenAiDecoder, BrokenJsonIsMalformed) {
  auto d = decode(openai_decoder, "data: {\"choices\":[{\"delta\":\n\n");
  EXPECT_EQ(d->state().error_kind, "malformed");
}

}  // namespace
}  // namespace chimera::backends
