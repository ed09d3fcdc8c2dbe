#pragma once
// Multi-agent concurrency figures that stay honest with unequal agents and
// with unsteady engines. The sequential time is never estimated from the
// concurrent run: every agent is timed alone too.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chimera/orchestrate/run/reloads.hpp"
#include "chimera/orchestrate/run/workflow.hpp"
#include "chimera/report/run_record.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

// The records these computations fill are plain data in report/, which
// renders them (report/combined_report.hpp).
using report::AgentAggregate;
using report::AgentFigures;
using report::AgentOutcome;
using report::ConcurrencyAggregate;
using report::ConcurrencyFigures;
using report::Estimate;
using report::OutlierRun;
using report::RunRecord;
using report::VerificationCounts;

// ---------------------------------------------------------------------------
// Figures that stay honest with unequal agents and with unsteady engines.
//
// T_i is agent i's isolated baseline (the median of its repetitions), W the
// wall time of the concurrent run, and W* the critical path of the
// scenario's dependency graph weighted by the T_i (max T_i for independent
// agents, the sum along a pipeline): the shortest wall time the scenario's
// shape allows without any contention.
//   speedup         = ΣT_i / W
//   ideal_speedup   = ΣT_i / W*
//   efficiency      = W* / W    (1 means no contention, however unequal the agents)
//   efficiency_vs_n = speedup / N  (reads imbalance between agents as contention)
//   slowdown_i      = concurrent_i / T_i

struct AgentTimes {
  std::string name;
  std::vector<double> isolated_ms;  // every repetition of its isolated baseline
  double concurrent_ms = 0;         // its own duration inside the concurrent run
  std::vector<std::string> depends_on;
  bool ok = true;            // it finished in both phases
  bool reloaded = false;     // a model (re)load happened inside its concurrent run
  std::size_t reloads = 0;   // how many of its concurrent calls paid one (reloads.hpp)
  std::string reload_cause;  // why they are set apart from contention; "" if they are not
  std::vector<std::string> reload_evidence;
  AgentServer server;  // where its calls went, with the options that set the model's layout
};

struct ConcurrencyOptions {
  double threshold = 0.9;  // efficiency below this may be contention
  // Repetitions of one baseline that differ by more than this share of their
  // median, and by more than `noise` of the critical path, make the baseline
  // unstable.
  double baseline_tolerance = 0.15;
  // The smallest relative noise of one timing; an agent's own noise is the
  // larger of this and the spread of its repetitions.
  double noise = 0.05;
};

// The median of the values (midpoint of the two middle ones); 0 for none.
double median_ms(const std::vector<double>& values);

// The longest chain through the dependency graph, each agent weighted by its
// baseline (the median of isolated_ms). Fails on an unknown dependency or a cycle.
Expected<double> critical_path_ms(const std::vector<AgentTimes>& agents);

// One AgentTimes per agent of the concurrent execution, its baseline taken
// from every isolated repetition (all executions in the scenario's order);
// depends_on by agent name. An agent is ok only if it finished everywhere.
// Its model reloads are found and judged as reloads.hpp describes.
std::vector<AgentTimes> agent_times(
    const std::vector<ExecutionResult>& isolated_repetitions, const ExecutionResult& concurrent,
    const std::map<std::string, std::vector<std::string>>& depends_on, double cold_threshold_ms);

// The verdict, in this order: not measured; inconclusive (baseline unstable);
// contention (model reloads) when some agent's concurrent calls paid reloads
// that running together caused; contention when the efficiency is below the
// threshold and some agent ran slower than alone beyond its noise (an agent
// whose reloads are set apart is not counted: its slowdown has that cause);
// otherwise no contention. Every reload set apart is named with its cause.
ConcurrencyFigures concurrency_figures(const std::vector<AgentTimes>& agents, double wall_ms,
                                       const ConcurrencyOptions& options = {});

}  // namespace chimera::orchestrate
