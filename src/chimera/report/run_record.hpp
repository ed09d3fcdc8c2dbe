#pragma once
// The plain records of a `chimera run`: one per run, one per agent, and the
// concurrency figures measured in a run and estimated across runs.
// orchestrate/run fills them (concurrency.hpp computes the figures); the
// combined report, the summaries and metrics.json render them.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/agents/verification.hpp"

namespace chimera::report {

// How the figures of an agent's answer were classified (verification.hpp).
struct VerificationCounts {
  std::size_t figures = 0, verified = 0, misattributed = 0, derived = 0, unverified = 0,
              trivial = 0;
  // Figures a match could prove or disprove: all but the trivial ones.
  std::size_t checkable() const { return figures - trivial; }
  // One object per figure (figure_json), in the order of the text.
  nlohmann::json list = nlohmann::json::array();
};
VerificationCounts count_figures(const agents::VerificationResult& result);

// A figure as metrics.json and `chimera verify --format json` give it: text,
// value, unit, class, sentence, reason, source. The source says what decided
// the class: the fact, file row or measurement that holds the value
// (verified), the other entity's (misattributed), the formula and its two
// figures (derived); null for unverified and trivial figures.
nlohmann::json figure_json(const agents::VerifiedFigure& figure);

// One agent's figures in one run (see orchestrate/run/concurrency.hpp for
// the definitions).
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

// A numeric figure across runs: mean, sample sd and the Student's t 95%
// confidence interval of the mean (absent below 2 runs).
struct Estimate {
  std::size_t n = 0;
  std::optional<double> mean, sd, ci95_low, ci95_high;
};

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

struct AgentOutcome {
  std::string agent;
  std::string persona;
  std::string profile;
  std::string model;
  std::string endpoint;
  nlohmann::json options = nlohmann::json::object();
  bool ok = false;
  std::string failure;  // the reason, when not ok
  agents::AgentMetrics metrics;
  VerificationCounts verification;
  std::string report_file;  // relative to the run directory
  // When its calls ran inside the concurrent execution, ms after it began.
  double start_ms = 0, end_ms = 0;
};

struct RunRecord {
  int index = 0;  // run_N
  std::string scenario;
  bool simulated = false;
  bool interrupted = false;
  std::string started_at;
  double ingest_ms = 0;
  std::vector<AgentOutcome> agents;
  std::optional<ConcurrencyFigures> concurrency;  // two or more agents with baselines
  bool isolated_first = true;  // the isolated phase ran before the concurrent one
  double concurrent_wall_ms = 0;
};

}  // namespace chimera::report
