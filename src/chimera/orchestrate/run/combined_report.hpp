#pragma once
// The per-run combined report (scenario, wall time, isolated times, speedup,
// efficiency against the critical path, slowdowns, per-agent metrics, deltas)
// and the summary over runs.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/orchestrate/run/concurrency.hpp"

namespace chimera::orchestrate {

// How the figures of an agent's answer were classified (verification.hpp).
struct VerificationCounts {
  std::size_t figures = 0, verified = 0, misattributed = 0, derived = 0, unverified = 0,
              trivial = 0;
  // Figures a match could prove or disprove: all but the trivial ones.
  std::size_t checkable() const { return figures - trivial; }
};
VerificationCounts count_figures(const agents::VerificationResult& result);
// "verified 3 of 7 checkable (misattributed 1, derived 1, unverified 2; 4 trivial)"
std::string verified_of_checkable(const VerificationCounts& v);

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

std::string render_combined_report(const RunRecord& run);
nlohmann::json to_json(const RunRecord& run);
nlohmann::json to_json(const agents::AgentMetrics& m);  // an agent's "metrics" object

std::string render_summary_markdown(const std::vector<RunRecord>& runs, bool simulated,
                                    const std::string& scenario);
nlohmann::json summary_json(const std::vector<RunRecord>& runs, bool simulated,
                            const std::string& scenario, bool complete);

}  // namespace chimera::orchestrate
