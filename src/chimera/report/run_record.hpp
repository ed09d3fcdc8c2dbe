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
  bool reloaded = false;    // a model (re)load inside its concurrent run
  bool ok = true;           // it finished in both phases; otherwise its times are not figures
  std::size_t reloads = 0;  // its concurrent calls that paid a model (re)load
  // Why the reloads are set apart from contention ("" when running together
  // caused them): the isolated phase shows them too, or another cause.
  std::string reload_cause;
  std::vector<std::string> reload_evidence;  // one line per reloaded call: what showed it
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
  // Model reloads caused by running together: contention, the costliest kind.
  bool reload_contention = false;
  std::size_t reloads = 0;  // concurrent calls that paid a reload caused by running together
  // True or false once judged; unknown (nullopt) when every agent has one
  // isolated repetition, which cannot show whether its time repeats.
  std::optional<bool> baseline_stable = true;
  std::string baseline_stability_note;  // why it is unknown, when it is
  bool efficiency_above_100 = false;    // efficiency > 1, within noise or not
  std::vector<std::string> unstable_reasons;
  std::vector<AgentFigures> per_agent;
  std::string verdict;  // one sentence
};

// A positive figure across runs: its arithmetic mean and sample sd, and its
// geometric mean with the 95% confidence interval from Student's t on the
// logarithms of the values (absent below 2 runs). The interval never leaves
// (0, ∞), as a ratio or a duration cannot.
struct Estimate {
  std::size_t n = 0;
  std::optional<double> mean, sd, geometric_mean, ci95_low, ci95_high;
};

struct AgentAggregate {
  std::string name;
  Estimate isolated_ms, concurrent_ms, slowdown;
};

// A run whose efficiency lies beyond the outlier rule's limit (see
// orchestrate/run/concurrency_aggregate.hpp).
struct OutlierRun {
  int run = 0;
  double efficiency = 0;
  double median = 0;  // of the included runs' efficiencies
  double limit = 0;   // the largest distance from the median that is not an outlier
};

struct ConcurrencyAggregate {
  std::size_t runs = 0;      // runs given
  std::size_t measured = 0;  // runs whose figures were measured
  std::size_t included = 0;  // measured and not inconclusive: the estimates' n
  Estimate speedup, ideal_speedup, efficiency, efficiency_vs_n, critical_path_ms, wall_ms,
      sum_isolated_ms;
  std::vector<AgentAggregate> agents;
  std::size_t contention_runs = 0;         // among the included runs
  std::size_t reload_contention_runs = 0;  // of those, contention by model reloads
  std::size_t unstable_runs = 0;
  // "run 2 (inconclusive: baseline unstable)": measured runs left out of the estimates.
  std::vector<std::string> left_out;
  std::vector<OutlierRun> outliers;
  std::string outlier_rule;    // the rule and its constants, in words
  bool runs_disagree = false;  // verdicts differ or an outlier: the verdict is inconclusive
  // "above 100% only within noise" when the efficiency's geometric mean is
  // above 100%: each included run judged it so (a run that judged it beyond
  // noise is inconclusive and left out).
  std::string above_100;
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
