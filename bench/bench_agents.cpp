// The non-LLM work of an agent on one answer: extraction, verification against
// a few thousand known figures, and writing the report. Inputs are the original's
// five reports (../shared/seeds) when present, else a built-in answer.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/agents/catalog.hpp"
#include "chimera/report/agent_report.hpp"

namespace {

using namespace chimera::agents;
using namespace chimera::report;

std::string answers() {
  std::string all;
  const std::filesystem::path dir = std::filesystem::path(CHIMERA_SHARED_DIR) / "seeds";
  if (std::filesystem::exists(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path());
      std::ostringstream text;
      text << in.rdbuf();
      all += text.str() + "\n\n";
    }
  }
  if (all.empty()) {
    all =
        "## Key Findings\n\n- Throughput 108.37 tok/s over 101 files.\n\n## Recommendations\n\n"
        "1. Raise num_ctx to 2048.\n";
  }
  return all;
}

// A few thousand figures, as ingestion of a large artifacts folder yields.
std::vector<KnownFigure> known_figures(std::size_t count) {
  std::vector<KnownFigure> figures;
  for (std::size_t i = 0; i < count; ++i) {
    figures.push_back({static_cast<double>(i) * 0.731, i % 3 == 0 ? "ms" : "tok/s",
                       "column " + std::to_string(i % 17), "file.csv row " + std::to_string(i)});
  }
  return figures;
}

void BM_Extract(benchmark::State& state) {
  const auto text = answers();
  for (auto _ : state) benchmark::DoNotOptimize(extract(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Extract)->Unit(benchmark::kMicrosecond);

void BM_Verify(benchmark::State& state) {
  const auto text = answers();
  const VectorFigureSource source(known_figures(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(verify(text, {&source}));
}
BENCHMARK(BM_Verify)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_ExtractVerifyAndWriteReport(benchmark::State& state) {
  const auto text = answers();
  const VectorFigureSource source(known_figures(5000));
  AgentReportInput in;
  in.agent =
      *Catalog::builtin().resolve({"InsightAgent", "InsightAgent", "chimera-optimized", "", {}});
  chimera::measure::RequestResult call;
  call.status = chimera::measure::Status::kOk;
  call.text = text;
  call.output_tokens = 2000;
  in.calls = {call};
  in.data_summary = std::string(8000, 'x');
  for (auto _ : state) {
    in.extraction = extract(text);
    in.verification = verify(text, {&source});
    benchmark::DoNotOptimize(render_agent_report(in));
  }
}
BENCHMARK(BM_ExtractVerifyAndWriteReport)->Unit(benchmark::kMicrosecond);

// 10,000 facts about 1,000 entities (model/configuration rows) of 10 metrics, the
// shape of a large sweep after ingestion.
std::vector<KnownFigure> entity_facts() {
  static constexpr const char* kColumns[] = {
      "mean_tokens_s", "ttft_ms",  "eval_count", "load_ms", "prompt_eval_ms",
      "eval_ms",       "total_ms", "p50_ms",     "p95_ms",  "gpu_util_pct"};
  static constexpr const char* kUnits[] = {"tok/s", "ms", "tokens", "ms", "ms",
                                           "ms",    "ms", "ms",     "ms", "%"};
  std::vector<KnownFigure> figures;
  for (std::size_t row = 0; row < 1000; ++row) {
    const std::string entity = "cfg" + std::to_string(row) + "_m" + std::to_string(row % 7);
    for (std::size_t c = 0; c < 10; ++c) {
      figures.emplace_back(10 + static_cast<double>(row * 10 + c) * 0.37, kUnits[c], kColumns[c],
                           "sweep.csv row " + std::to_string(row + 1) + ", column " + kColumns[c],
                           kColumns[c], std::vector<std::string>{entity});
    }
  }
  return figures;
}

// About 2,000 words: sentences that state, misattribute, derive and invent
// figures about the entities above.
std::string long_answer() {
  std::string text = "## Key Findings\n\n";
  std::size_t words = 0;
  for (std::size_t i = 0; words < 2000; ++i) {
    const std::size_t row = (i * 37) % 1000;
    const std::string e = "cfg" + std::to_string(row) + "_m" + std::to_string(row % 7);
    const std::string other =
        "cfg" + std::to_string((row + 1) % 1000) + "_m" + std::to_string(((row + 1) % 1000) % 7);
    const double throughput = 10 + static_cast<double>(row * 10) * 0.37;
    switch (i % 4) {
      case 0:
        text += "- " + e + " reached " + std::to_string(throughput).substr(0, 6) + " tok/s.\n";
        break;
      case 1:
        text += "- " + other + " reached " + std::to_string(throughput).substr(0, 6) +
                " tok/s in the same sweep.\n";
        break;
      case 2:
        text += "- The mean_tokens_s of " + e + " was 2.1% lower than that of " + other + ".\n";
        break;
      default:
        text += "- Latency of " + e + " was 15.5 s and accuracy 92.3%, with 0.0% fan speed.\n";
        break;
    }
    words += 10;
  }
  return text;
}

// The stated goal: a 2,000-word answer against 10,000 facts in under 50 ms.
void BM_VerifyLongAnswerAgainstEntityFacts(benchmark::State& state) {
  const auto text = long_answer();
  const VectorFigureSource source(entity_facts());
  std::size_t figures = 0;
  for (auto _ : state) {
    auto result = verify(text, {&source});
    figures = result.total();
    benchmark::DoNotOptimize(result);
  }
  state.counters["figures"] = static_cast<double>(figures);
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_VerifyLongAnswerAgainstEntityFacts)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
