#pragma once
// Honest multi-agent speedup: each agent is first timed alone (T_i, warm, same
// options), then all run together (wall time W). speedup = ΣT_i / W,
// efficiency = speedup / N, slowdown_i = concurrent duration_i / T_i. The
// sequential time is never estimated from the concurrent run.

#include <string>
#include <vector>

#include "chimera/orchestrate/run/workflow.hpp"
#include "chimera/stats/descriptive.hpp"

namespace chimera::orchestrate {

struct AgentConcurrency {
  std::string agent;
  double isolated_ms = 0;    // T_i
  double concurrent_ms = 0;  // its duration inside the concurrent run
  double slowdown = 0;       // concurrent / isolated
  // A model (re)load happened inside the concurrent run: its slowdown is a
  // reload, not contention for the server.
  bool reloaded = false;
  double reload_ms = 0;
};

struct ConcurrencyMeasurement {
  std::size_t agents = 0;
  double sum_isolated_ms = 0;  // ΣT_i
  double wall_ms = 0;          // W
  double speedup = 0;
  double efficiency = 0;
  double threshold = 0.9;
  bool contention = false;  // efficiency below the threshold, reloads aside
  bool reload_in_concurrent_run = false;
  std::vector<AgentConcurrency> per_agent;
  std::string verdict;  // one sentence
};

// Needs both executions to have finished every agent; otherwise the
// measurement says it is incomplete (verdict) and speedup stays 0.
ConcurrencyMeasurement measure_concurrency(const ExecutionResult& isolated,
                                           const ExecutionResult& concurrent, double threshold,
                                           double cold_threshold_ms);

struct ConcurrencyAcrossRuns {
  std::size_t runs = 0;
  stats::Summary speedup, efficiency, wall_ms, sum_isolated_ms;
  std::vector<std::pair<std::string, stats::Summary>> slowdown;  // per agent
  std::size_t runs_with_contention = 0;
  std::size_t runs_with_reload = 0;
};

ConcurrencyAcrossRuns summarize_concurrency(const std::vector<ConcurrencyMeasurement>& runs);

}  // namespace chimera::orchestrate
