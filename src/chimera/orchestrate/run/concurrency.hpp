#pragma once
// Multi-agent concurrency figures that stay honest with unequal agents and
// with unsteady engines. The sequential time is never estimated from the
// concurrent run: every agent is timed alone too.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/orchestrate/run/workflow.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

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
  bool ok = true;         // it finished in both phases
  bool reloaded = false;  // a model (re)load happened inside its concurrent run
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

struct AgentFigures {
  std::string name;
  double isolated_ms = 0;  // T_i, the median of the repetitions
  double concurrent_ms = 0;
  double slowdown = 0;
  double spread = 0;  // (max - min) / median of the repetitions
  double noise = 0;   // relative noise used to judge this agent's slowdown
  std::size_t repetitions = 0;
  bool reloaded = false;
  bool ok = true;  // it finished in both phases; otherwise its times are not figures
};

struct ConcurrencyFigures {
  bool measured = false;  // every agent finished in both phases
  bool reloaded = false;  // some agent's concurrent run included a model (re)load
  std::size_t agents = 0;
  double sum_isolated_ms = 0;
  double critical_path_ms = 0;
  double wall_ms = 0;
  double speedup = 0;
  double ideal_speedup = 0;
  double efficiency = 0;
  double efficiency_vs_n = 0;
  double threshold = 0.9;
  bool contention = false;
  bool baseline_stable = true;
  bool efficiency_above_100 = false;  // efficiency > 1, within noise or not
  std::vector<std::string> unstable_reasons;
  std::vector<AgentFigures> per_agent;
  std::string verdict;  // one sentence
};

// The median of the values (midpoint of the two middle ones); 0 for none.
double median_ms(const std::vector<double>& values);

// The longest chain through the dependency graph, each agent weighted by its
// baseline (the median of isolated_ms). Fails on an unknown dependency or a cycle.
Expected<double> critical_path_ms(const std::vector<AgentTimes>& agents);

// One AgentTimes per agent of the concurrent execution, its baseline taken
// from every isolated repetition (all executions in the scenario's order);
// depends_on by agent name. An agent is ok only if it finished everywhere.
std::vector<AgentTimes> agent_times(
    const std::vector<ExecutionResult>& isolated_repetitions, const ExecutionResult& concurrent,
    const std::map<std::string, std::vector<std::string>>& depends_on, double cold_threshold_ms);

ConcurrencyFigures concurrency_figures(const std::vector<AgentTimes>& agents, double wall_ms,
                                       const ConcurrencyOptions& options = {});

// A numeric figure across runs: mean, sample sd and the Student's t 95%
// confidence interval of the mean (absent below 2 runs).
struct Estimate {
  std::size_t n = 0;
  std::optional<double> mean, sd, ci95_low, ci95_high;
};
Estimate estimate(const std::vector<double>& values);

struct AgentAggregate {
  std::string name;
  Estimate isolated_ms, concurrent_ms, slowdown;
};

struct ConcurrencyAggregate {
  std::size_t runs = 0;      // runs given
  std::size_t measured = 0;  // runs whose figures were measured (the estimates' n)
  Estimate speedup, ideal_speedup, efficiency, efficiency_vs_n, critical_path_ms, wall_ms,
      sum_isolated_ms;
  std::vector<AgentAggregate> agents;
  std::size_t contention_runs = 0;
  std::size_t unstable_runs = 0;
  std::string verdict;
};

ConcurrencyAggregate aggregate_concurrency(const std::vector<ConcurrencyFigures>& runs);

nlohmann::json to_json(const Estimate& estimate);
nlohmann::json to_json(const ConcurrencyFigures& figures);
nlohmann::json to_json(const ConcurrencyAggregate& aggregate);

}  // namespace chimera::orchestrate
