// Golden transcripts in the exact shapes vLLM, llama-server, LM Studio and
// Ollama send (tests/fixtures/wire/), decoded whole and split in two at every
// byte offset: the result must not depend on where the network cut the bytes.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chimera/backends/generation.hpp"
#include "chimera/backends/stream_decoder.hpp"

namespace chimera::backends {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CHIMERA_SOURCE_DIR) + "/tests/fixtures/wire/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Decoded {
  StreamState state;
  int token_feeds = 0;  // feeds that reported kToken
  bool stopped = false;
};

Decoded decode(bool ollama, std::string_view bytes, std::size_t split) {
  auto decoder = ollama ? make_ollama_decoder() : make_openai_decoder();
  Decoded out;
  const auto at = http::Clock::now();
  for (std::string_view part : {bytes.substr(0, split), bytes.substr(split)}) {
    const auto action = decoder->feed(part, at);
    if (action == http::BodyAction::kToken) ++out.token_feeds;
    if (action == http::BodyAction::kStop) out.stopped = true;
  }
  decoder->finish(at);
  out.state = decoder->state();
  return out;
}

// Decodes whole, then at every split, and checks every split agrees with the whole.
Decoded decode_everywhere(bool ollama, const std::string& name) {
  const std::string bytes = fixture(name);
  const Decoded whole = decode(ollama, bytes, bytes.size());
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    const Decoded part = decode(ollama, bytes, split);
    EXPECT_EQ(part.state.text, whole.state.text) << name << " split at " << split;
    EXPECT_EQ(part.state.text_chunk_at.size(), whole.state.text_chunk_at.size())
        << name << " split at " << split;
    EXPECT_EQ(part.state.finished, whole.state.finished) << name << " split at " << split;
    EXPECT_EQ(part.state.error_kind, whole.state.error_kind) << name << " split at " << split;
    EXPECT_EQ(part.state.server.completion_tokens, whole.state.server.completion_tokens);
    EXPECT_EQ(part.state.server.cached_tokens, whole.state.server.cached_tokens);
    EXPECT_EQ(part.state.server.eval_count, whole.state.server.eval_count);
    if (::testing::Test::HasFailure()) break;  // one report per fixture is enough
  }
  return whole;
}

TEST(WireGolden, VllmReasoningFieldCountsAsOutputButNotAsText) {
  const auto d = decode_everywhere(false, "vllm_reasoning.sse");
  EXPECT_EQ(d.state.error_kind, "");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "Hello 💎!");
  // Two reasoning chunks, then two answer chunks: the first token is the thinking.
  EXPECT_EQ(d.state.text_chunk_at.size(), 4u);
  EXPECT_EQ(d.state.server.prompt_tokens, 14);
  EXPECT_EQ(d.state.server.completion_tokens, 10);
  EXPECT_EQ(d.state.server.cached_tokens, 8);
  EXPECT_EQ(d.state.server.done_reason, "stop");
}

TEST(WireGolden, OlderVllmReasoningContentAndContinuousUsageLastWins) {
  const auto d = decode_everywhere(false, "vllm_reasoning_content.sse");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "Yes.");
  EXPECT_EQ(d.state.text_chunk_at.size(), 3u);
  EXPECT_EQ(d.state.server.completion_tokens, 3);
  EXPECT_EQ(d.state.server.prompt_tokens, 9);
  EXPECT_FALSE(d.state.server.cached_tokens.has_value());  // `prompt_tokens_details: null`
  EXPECT_EQ(d.state.server.done_reason, "length");
}

TEST(WireGolden, ToolCallDeltasAreGeneratedOutput) {
  const auto d = decode_everywhere(false, "vllm_tool_calls.sse");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "");
  EXPECT_EQ(d.state.text_chunk_at.size(), 3u);  // the name, then two pieces of arguments
  EXPECT_EQ(d.state.server.done_reason, "tool_calls");
}

TEST(WireGolden, ErrorObjectInsideAnSseStream) {
  const auto d = decode_everywhere(false, "vllm_stream_error.sse");
  EXPECT_EQ(d.state.error_kind, "server_error");
  EXPECT_NE(d.state.error_message.find("longer than the maximum model length"), std::string::npos)
      << d.state.error_message;
  EXPECT_EQ(d.state.text, "Par");
}

TEST(WireGolden, LlamaServerTimingsAndReasoningContent) {
  const auto d = decode_everywhere(false, "llama_server.sse");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "Bonjour à tous");
  EXPECT_EQ(d.state.text_chunk_at.size(), 3u);
  EXPECT_EQ(d.state.server.completion_tokens, 4);
  ASSERT_TRUE(d.state.server.timings.is_object());
  EXPECT_EQ(d.state.server.timings["cache_n"], 3);
  EXPECT_DOUBLE_EQ(d.state.server.timings["predicted_ms"].get<double>(), 61.2);
}

TEST(WireGolden, LmStudio) {
  const auto d = decode_everywhere(false, "lm_studio.sse");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "OK");
  EXPECT_EQ(d.state.text_chunk_at.size(), 2u);
  EXPECT_EQ(d.state.server.prompt_tokens, 20);
  EXPECT_EQ(d.state.server.completion_tokens, 3);
}

TEST(WireGolden, OllamaGenerateThinking) {
  const auto d = decode_everywhere(true, "ollama_generate_thinking.ndjson");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "Hi there");
  EXPECT_EQ(d.state.text_chunk_at.size(), 4u);
  EXPECT_EQ(d.state.server.eval_count, 5);
  EXPECT_DOUBLE_EQ(*d.state.server.eval_ms, 80.0);
  EXPECT_DOUBLE_EQ(*d.state.server.load_ms, 41.0);
  EXPECT_EQ(d.state.server.done_reason, "stop");
}

TEST(WireGolden, OllamaChatThinkingAndToolCalls) {
  const auto d = decode_everywhere(true, "ollama_chat_thinking.ndjson");
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.text, "Ciao");
  EXPECT_EQ(d.state.text_chunk_at.size(), 4u);  // two thinking, one answer, one tool call
  EXPECT_EQ(d.state.server.eval_count, 9);
  EXPECT_DOUBLE_EQ(*d.state.server.load_ms, 0.0);  // omitted by Ollama: zero
}

TEST(WireGolden, OllamaLoadAndUnloadAnswersFinishWithoutText) {
  for (const char* name : {"ollama_load.ndjson", "ollama_unload.ndjson"}) {
    const auto d = decode_everywhere(true, name);
    EXPECT_TRUE(d.state.finished) << name;
    EXPECT_EQ(d.state.text_chunk_at.size(), 0u) << name;
  }
  EXPECT_EQ(decode_everywhere(true, "ollama_load.ndjson").state.server.done_reason, "load");
  EXPECT_EQ(decode_everywhere(true, "ollama_unload.ndjson").state.server.done_reason, "unload");
}

TEST(WireGolden, OllamaErrorLineInsideTheStream) {
  const auto d = decode_everywhere(true, "ollama_stream_error.ndjson");
  EXPECT_EQ(d.state.error_kind, "server_error");
  EXPECT_NE(d.state.error_message.find("unexpected EOF"), std::string::npos);
  EXPECT_EQ(d.state.text, "It");
}

TEST(WireGolden, OllamaQueueFullBodyGivesTheServersWords) {
  const std::string text = server_message(fixture("ollama_503_queue_full.json"));
  EXPECT_EQ(text, "server busy, please try again.  maximum pending requests exceeded");
  EXPECT_EQ(http_error_message(advice_for("ollama"), 503, "llama3.2", text),
            "HTTP 503 from server: server busy, please try again.  maximum pending requests "
            "exceeded");
}

// Bounded buffers: a line or event longer than the limit ends the stream as
// malformed instead of growing memory; later bytes are not kept.
TEST(WireLimits, EndlessBytesWithoutALineBreakStopTheDecoder) {
  for (bool ollama : {true, false}) {
    auto decoder = ollama ? make_ollama_decoder(4096) : make_openai_decoder(4096);
    const std::string piece(1000, 'x');
    http::BodyAction action = http::BodyAction::kContinue;
    int feeds = 0;
    while (action != http::BodyAction::kStop && feeds < 100) {
      action = decoder->feed(ollama ? piece : "data: " + piece, http::Clock::now());
      ++feeds;
    }
    EXPECT_EQ(action, http::BodyAction::kStop);
    EXPECT_LE(feeds, 5);
    EXPECT_EQ(decoder->state().error_kind, "malformed");
    EXPECT_NE(decoder->state().error_message.find("longer than 4096 bytes"), std::string::npos)
        << decoder->state().error_message;
  }
}

TEST(WireLimits, ALineJustUnderTheLimitIsRead) {
  const std::string content(3000, 'a');
  const std::string line = R"({"response":")" + content + R"(","done":false})" + "\n";
  auto decoder = make_ollama_decoder(4096);
  EXPECT_EQ(decoder->feed(line, http::Clock::now()), http::BodyAction::kToken);
  EXPECT_EQ(decoder->state().text, content);
}

TEST(WireLimits, ManyDataLinesOfOneEventAreBoundedToo) {
  auto decoder = make_openai_decoder(4096);
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes += "data: " + std::string(100, 'y') + "\n";
  EXPECT_EQ(decoder->feed(bytes, http::Clock::now()), http::BodyAction::kStop);
  EXPECT_EQ(decoder->state().error_kind, "malformed");
}

TEST(WireText, InvalidUtf8InAMalformedChunkIsShownAsValidText) {
  auto decoder = make_ollama_decoder();
  decoder->feed("{\"response\": \"caf\xE9\n", http::Clock::now());
  const auto& message = decoder->state().error_message;
  EXPECT_EQ(decoder->state().error_kind, "malformed");
  EXPECT_NE(message.find("caf\xEF\xBF\xBD"), std::string::npos) << message;
}

}  // namespace
}  // namespace chimera::backends
