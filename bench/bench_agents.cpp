// The non-LLM work of an agent on one answer: extraction, verification against
// a few thousand known figures, and writing the report. Inputs are the original's
// five reports (../shared/seeds) when present, else a built-in answer.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/agents/agent_report.hpp"
#include "chimera/agents/catalog.hpp"

namespace {

using namespace chimera::agents;

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

}  // namespace

BENCHMARK_MAIN();
