// Two goals of `chimera run`, measured:
//  - the non-LLM part of a run (ingest, data summaries, prompts, extraction,
//    verification, report writing) on ../shared/data/chimera-artifacts;
//  - the efficiency W*/W Chimera measures for N agents of unequal lengths on N
//    separate simulator endpoints with fixed service times (ideal: 100%).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <array>
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

// Tokens per call of agent i: for two agents one short and one ten times
// longer; for more, cycling through 1/8, 1/4, 1/2 and all of the longest.
int tokens_for(std::size_t i, std::size_t n, int longest) {
  if (n == 2) return i == 0 ? longest / 10 : longest;
  constexpr std::array<int, 4> kDivisors = {8, 4, 2, 1};
  return longest / kDivisors[i % kDivisors.size()];
}

// N agents of unequal lengths, each on its own simulated server with fixed
// service times (no jitter, two calls per agent): warm-ups of the measured
// shape, each agent alone twice (baseline = median), then all at once.
// Reports Chimera's measured efficiency W*/W (100%: no contention), the
// original's speedup/N beside it, and whether the baselines agreed.
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
  std::vector<orchestrate::WorkflowAgent> agents;
  for (std::size_t i = 0; i < n; ++i) {
    backends::BackendOptions bo;
    bo.kind = "ollama";
    bo.url = sims.start(config);
    auto backend = backends::make_backend(bo).value();
    orchestrate::WorkflowAgent a;
    profile.options = {{"num_predict", tokens_for(i, n, static_cast<int>(state.range(2)))},
                       {"seed", 1}};
    a.spec = {"agent-" + std::to_string(i), persona, profile, "", {}};
    a.backend = backend.get();
    a.data_summary = "Inventory: 3 files.";
    agents.push_back(std::move(a));
    servers.push_back(std::move(backend));
  }
  orchestrate::ConcurrencyFigures f;
  for (auto _ : state) {
    orchestrate::ExecutionOptions o;
    o.mode = orchestrate::ExecutionMode::kIsolated;
    std::vector<orchestrate::ExecutionResult> isolated;
    for (int rep = 0; rep < 2; ++rep) {
      o.warm_up_each_isolated_agent = rep == 0;
      isolated.push_back(orchestrate::execute(agents, o));
    }
    o.mode = orchestrate::ExecutionMode::kConcurrent;
    const auto concurrent = orchestrate::execute(agents, o);
    f = orchestrate::concurrency_figures(orchestrate::agent_times(isolated, concurrent, {}, 500),
                                         concurrent.wall_ms);
  }
  state.counters["efficiency_pct"] = f.efficiency * 100;
  state.counters["efficiency_vs_n_pct"] = f.efficiency_vs_n * 100;
  state.counters["baseline_stable"] = f.baseline_stable ? 1 : 0;
  state.counters["speedup"] = f.speedup;
  if (!f.unstable_reasons.empty()) {
    state.SetLabel(
        fmt::format("{} unstable: {}", f.unstable_reasons.size(), f.unstable_reasons.front()));
  }
}
// Arguments: agents, decode tokens/s of the simulated model, tokens per call
// of the longest agent. N = 2: 40 and 400 tokens. N = 64: 10, 20, 40 and 80
// tokens in turn (short answers keep 64 isolated baselines quick).
BENCHMARK(BM_ConcurrencyEfficiency)
    ->Args({2, 400, 400})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConcurrencyEfficiency)
    ->Args({64, 400, 80})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
