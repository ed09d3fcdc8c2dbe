#pragma once
// The per-run combined report (scenario, wall time, isolated times, speedup,
// efficiency against the critical path, slowdowns, per-agent metrics, deltas),
// the summary over runs, and the JSON of the run records (metrics.json,
// summary.json).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/report/run_record.hpp"

namespace chimera::report {

// "verified 3 of 7 checkable (misattributed 1, derived 1, unverified 2; 4 trivial)"
std::string verified_of_checkable(const VerificationCounts& v);

std::string render_combined_report(const RunRecord& run);

// `across_runs` is the concurrency aggregate over the runs to summarise:
// summary.md takes the finished runs' figures, summary.json every run's;
// absent when no run has figures.
std::string render_summary_markdown(const std::vector<RunRecord>& runs, bool simulated,
                                    const std::string& scenario,
                                    const std::optional<ConcurrencyAggregate>& across_runs);
nlohmann::json summary_json(const std::vector<RunRecord>& runs, bool simulated,
                            const std::string& scenario, bool complete,
                            const std::optional<ConcurrencyAggregate>& across_runs);

nlohmann::json to_json(const RunRecord& run);
nlohmann::json to_json(const agents::AgentMetrics& m);  // an agent's "metrics" object
nlohmann::json to_json(const VerificationCounts& v);
nlohmann::json to_json(const Estimate& estimate);
nlohmann::json to_json(const ConcurrencyFigures& figures);
nlohmann::json to_json(const ConcurrencyAggregate& aggregate);

}  // namespace chimera::report
