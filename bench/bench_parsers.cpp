// Stream parser throughput: chunks per second on one core, for the framing
// alone and for framing + JSON decoding as the backends do it.
//   build-http/bench/bench_parsers --benchmark_min_time=1

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "chimera/backends/stream_decoder.hpp"
#include "chimera/http/line_splitter.hpp"
#include "chimera/http/sse_parser.hpp"

namespace {

using chimera::http::Clock;

constexpr int kTokens = 1000;

// One chunk per token, as a server sends them: an Ollama NDJSON line each.
std::vector<std::string> ollama_chunks() {
  std::vector<std::string> chunks;
  for (int i = 0; i < kTokens; ++i) {
    chunks.push_back(
        "{\"model\":\"gemma3:latest\",\"created_at\":\"2025-01-01T00:00:00.000000Z\","
        "\"response\":\" token" +
        std::to_string(i) + "\",\"done\":false}\n");
  }
  chunks.push_back(
      "{\"model\":\"gemma3:latest\",\"created_at\":\"2025-01-01T00:00:00.000000Z\",\"response\":"
      "\"\",\"done\":true,\"done_reason\":\"stop\",\"total_duration\":10706818083,"
      "\"load_duration\":6338219291,\"prompt_eval_count\":26,\"prompt_eval_duration\":130079000,"
      "\"eval_count\":1000,\"eval_duration\":4232710000}\n");
  return chunks;
}

std::vector<std::string> openai_chunks() {
  std::vector<std::string> chunks;
  chunks.push_back(
      "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1715762479,"
      "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
      "\"\"},\"finish_reason\":null}],\"usage\":null}\n\n");
  for (int i = 0; i < kTokens; ++i) {
    chunks.push_back(
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1715762479,"
        "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token" +
        std::to_string(i) + "\"},\"finish_reason\":null}],\"usage\":null}\n\n");
  }
  chunks.push_back(
      "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":24,"
      "\"completion_tokens\":1000,\"total_tokens\":1024}}\n\ndata: [DONE]\n\n");
  return chunks;
}

// The same bytes re-cut at awkward places (every 37 bytes), so most lines
// straddle two chunks.
std::vector<std::string> recut(const std::vector<std::string>& chunks, std::size_t size) {
  std::string all;
  for (const auto& c : chunks) all += c;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < all.size(); i += size) out.push_back(all.substr(i, size));
  return out;
}

template <typename Feed>
void run_chunks(benchmark::State& state, const std::vector<std::string>& chunks, Feed feed) {
  std::size_t bytes = 0;
  for (const auto& c : chunks) bytes += c.size();
  for (auto _ : state) feed(chunks);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * chunks.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["chunks_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * chunks.size()), benchmark::Counter::kIsRate);
}

void BM_NdjsonFraming(benchmark::State& state) {
  const auto chunks = ollama_chunks();
  run_chunks(state, chunks, [](const auto& cs) {
    chimera::http::LineSplitter splitter;
    std::size_t n = 0;
    for (const auto& c : cs) splitter.feed(c, [&](std::string_view line) { n += line.size(); });
    benchmark::DoNotOptimize(n);
  });
}

void BM_SseFraming(benchmark::State& state) {
  const auto chunks = openai_chunks();
  run_chunks(state, chunks, [](const auto& cs) {
    chimera::http::SseParser parser;
    std::size_t n = 0;
    for (const auto& c : cs) {
      parser.feed(c, [&](const chimera::http::SseEvent& e) { n += e.data.size(); });
    }
    benchmark::DoNotOptimize(n);
  });
}

template <typename Factory>
void decode_all(const std::vector<std::string>& chunks, Factory factory) {
  auto decoder = factory();
  const auto t = Clock::now();
  for (const auto& c : chunks) decoder->feed(c, t);
  decoder->finish(t);
  if (!decoder->state().finished) throw std::runtime_error("stream did not decode");
  benchmark::DoNotOptimize(decoder->state().text.size());
}

void BM_OllamaDecode(benchmark::State& state) {
  const auto chunks = ollama_chunks();
  run_chunks(state, chunks, [](const auto& cs) {
    decode_all(cs, [] { return chimera::backends::make_ollama_decoder(); });
  });
}

void BM_OllamaDecodeRecut(benchmark::State& state) {
  const auto chunks = recut(ollama_chunks(), 37);
  run_chunks(state, chunks, [](const auto& cs) {
    decode_all(cs, [] { return chimera::backends::make_ollama_decoder(); });
  });
}

void BM_OpenAiDecode(benchmark::State& state) {
  const auto chunks = openai_chunks();
  run_chunks(state, chunks, [](const auto& cs) {
    decode_all(cs, [] { return chimera::backends::make_openai_decoder(); });
  });
}

void BM_OpenAiDecodeRecut(benchmark::State& state) {
  const auto chunks = recut(openai_chunks(), 37);
  run_chunks(state, chunks, [](const auto& cs) {
    decode_all(cs, [] { return chimera::backends::make_openai_decoder(); });
  });
}

}  // namespace

BENCHMARK(BM_NdjsonFraming);
BENCHMARK(BM_SseFraming);
BENCHMARK(BM_OllamaDecode);
BENCHMARK(BM_OllamaDecodeRecut);
BENCHMARK(BM_OpenAiDecode);
BENCHMARK(BM_OpenAiDecodeRecut);
BENCHMARK_MAIN();
