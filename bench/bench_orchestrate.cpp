// Two goals of `chimera run`, measured:
//  - the non-LLM part of a run (ingest, data summaries, prompts, extraction,
//    verification, report writing) on ../shared/data/chimera-artifacts;
//  - the efficiency Chimera measures for N agents on N separate simulator
//    endpoints with fixed service times (ideal: 100%).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/agents/catalog.hpp"
#include "chimera/agents/extraction.hpp"
#include "chimera/agents/prompt.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/backends/backend.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/summary.hpp"
#include "chimera/orchestrate/common/sim_launcher.hpp"
#include "chimera/orchestrate/run/concurrency.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "chimera/orchestrate/run/workflow.hpp"
#include "chimera/report/agent_report.hpp"

namespace {
namespace fs = std::filesystem;
using namespace chimera;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Everything `chimera run` does for one run of baseline_vs_chimera except the
// LLM calls, whose answers are stood in for by the original's two InsightAgent
// and DataCollector reports (../shared/seeds).
void BM_RunWithoutLlm(benchmark::State& state) {
  const fs::path artifacts = fs::path(CHIMERA_SHARED_DIR) / "data" / "chimera-artifacts";
  const fs::path seeds = fs::path(CHIMERA_SHARED_DIR) / "seeds";
  if (!fs::exists(artifacts) || !fs::exists(seeds)) {
    state.SkipWithError("../shared/data/chimera-artifacts or ../shared/seeds is absent");
    return;
  }
  std::vector<std::string> answers;
  for (const auto& e : fs::directory_iterator(seeds)) answers.push_back(read_file(e.path()));
  const auto scenario = agents::Catalog::builtin().scenario("baseline_vs_chimera").value();
  const fs::path out = fs::temp_directory_path() / "chimera-bench-run";
  fs::create_directories(out);
  for (auto _ : state) {
    const auto analysis =
        ingest::analyse({artifacts / "reports", artifacts / "csv_data", artifacts / "artifacts"});
    const orchestrate::IngestFigureSource figures(analysis.figures);
    for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
      const auto& agent = scenario.agents[i];
      const auto budget = agents::data_summary_budget(agent.persona, agent.profile);
      const auto summary = agents::fit_to_budget(
          ingest::data_summary(analysis, budget.data_summary_tokens), budget.data_summary_chars);
      agents::PromptInput input{&agent.persona, summary, {}, ""};
      const auto prompt = agents::build_prompt(agents::Stage::kAnalysis, input);
      benchmark::DoNotOptimize(prompt);
      report::AgentReportInput report;
      report.agent = agent;
      report.date = "2026-01-01";
      measure::RequestResult call;
      call.status = measure::Status::kOk;
      call.text = answers[i % answers.size()];
      call.output_tokens = 500;
      report.calls = {call};
      report.data_summary = summary;
      report.extraction = agents::extract(call.text);
      const agents::VectorFigureSource measured(
          agents::measured_figures(agents::aggregate_metrics(report.calls), agent.name));
      report.verification = agents::verify(call.text, {&figures, &measured});
      std::ofstream(out / (agent.name + "_report.md")) << report::render_agent_report(report);
    }
  }
  fs::remove_all(out);
}
BENCHMARK(BM_RunWithoutLlm)->Unit(benchmark::kMillisecond);

// N agents, each on its own simulated server with fixed service times (no
// jitter, 40 tokens per call, two calls per agent): first each alone, then all
// at once. Reports Chimera's measured efficiency.
void BM_ConcurrencyEfficiency(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto config = sim::default_sim_config();
  config.threads = 1;
  for (auto& m : config.models) {
    m.load_ms = 50;
    m.decode_tps = static_cast<double>(state.range(1));
    m.prefill_tps = 1e6;
    m.jitter = 0;
  }
  orchestrate::SimLauncher sims;
  std::vector<std::unique_ptr<backends::Backend>> servers;
  auto catalog = agents::Catalog::builtin();
  auto persona = catalog.persona("DataCollector-9000").value();
  auto profile = catalog.profile("baseline").value();
  profile.options = {{"num_predict", 40}, {"seed", 1}};
  std::vector<orchestrate::WorkflowAgent> agents;
  for (std::size_t i = 0; i < n; ++i) {
    backends::BackendOptions bo;
    bo.kind = "ollama";
    bo.url = sims.start(config);
    auto backend = backends::make_backend(bo).value();
    orchestrate::WorkflowAgent a;
    a.spec = {"agent-" + std::to_string(i), persona, profile, "", {}};
    a.backend = backend.get();
    a.data_summary = "Inventory: 3 files.";
    agents.push_back(std::move(a));
    servers.push_back(std::move(backend));
  }
  double efficiency = 0;
  double speedup = 0;
  for (auto _ : state) {
    orchestrate::ExecutionOptions o;
    o.mode = orchestrate::ExecutionMode::kIsolated;
    const auto isolated = orchestrate::execute(agents, o);
    o.mode = orchestrate::ExecutionMode::kConcurrent;
    const auto concurrent = orchestrate::execute(agents, o);
    const auto m = orchestrate::measure_concurrency(isolated, concurrent, 0.9, 500);
    efficiency = m.efficiency;
    speedup = m.speedup;
  }
  state.counters["efficiency_pct"] = efficiency * 100;
  state.counters["speedup"] = speedup;
}
// Arguments: agents, decode tokens/s of the simulated model (100 is what the
// original measured for gemma3 on its GPU; 400 makes each call 4x shorter, so
// fixed per-request costs weigh 4x more).
BENCHMARK(BM_ConcurrencyEfficiency)
    ->Args({2, 100})
    ->Args({2, 400})
    ->Args({64, 400})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConcurrencyEfficiency)->Args({64, 100})->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
