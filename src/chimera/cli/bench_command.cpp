#include "chimera/cli/bench_command.hpp"

#include <iostream>

#include "chimera/report/reporter.hpp"
#include "chimera/report/sweep_ranking.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {
namespace {

orchestrate::BenchSessionOptions session_options(const BenchCliOptions& o,
                                                 const SweepCliOptions* sweep) {
  orchestrate::BenchSessionOptions s;
  s.plan = plan_template(o);
  s.axes = option_axes(o);
  s.models = o.models;
  s.endpoint = o.endpoint;
  s.backend_kind = o.backend;
  s.sim = o.sim;
  s.sim_config = o.sim_config;
  s.cold_threshold_ms = o.cold_threshold_ms;
  s.max_line_bytes = o.max_line_bytes;
  if (!o.no_store) s.store_url = o.store;
  s.outputs = o.outputs;
  if (sweep) s.sweep = *sweep;
  auto levels = load_levels(o);
  s.loads = std::move(levels.levels);
  s.rate_sweep_points = levels.sweep_points;
  return s;
}

void print_console(const orchestrate::BenchSessionResult& result, const BenchCliOptions& o,
                   const SweepCliOptions* sweep) {
  const auto& report = result.outcome.report;
  if (auto console = report::make_reporter("console"))
    (void)(*console)->write(report, {}, std::cout);
  if (sweep) {
    std::cout << "\n"
              << term::bold("Ranking") << " (measured"
              << (report.simulated ? ", SIMULATED server" : "") << ")\n\n"
              << report::ranking_table(report, result.ranking, result.rank);
    if (!result.recommendation.empty()) {
      std::cout << "\n" << term::bold("Recommended profile") << "\n\n" << result.recommendation;
      if (!sweep->recommend_path.empty()) {
        std::cout << "(written to " << sweep->recommend_path << ")\n";
      }
    }
  }
  if (!result.store_description.empty() && result.outcome.run_id) {
    const auto id = *result.outcome.run_id;
    std::cout << "\nStored as run " << id << " in " << result.store_description
              << " (re-render with: chimera report --store " << o.store << " --run " << id << ")\n";
  }
}

}  // namespace

int run_benchmark_command(const BenchCliOptions& o, const GlobalOptions& globals,
                          const SweepCliOptions* sweep) {
  const auto options = session_options(o, sweep);
  const auto result = orchestrate::run_bench_session(options);
  if (globals.json) {
    std::cout << dump_json(orchestrate::to_json(result, options), 2) << "\n";
  } else {
    print_console(result, o, sweep);
  }
  if (result.outcome.interrupted) return kExitInterrupted;
  if (result.outcome.failed > 0) return kExitPartial;
  return kExitOk;
}

}  // namespace chimera::cli
