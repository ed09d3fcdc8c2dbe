#pragma once
// One agent's figures over its LLM calls (analysis + report, or the single
// call), as the report's Metrics section prints them. Each figure has one
// source: the client's clock (Chimera's own timing of the stream) or the
// server's statistics (what the server reported about its own work); the two
// are kept apart, and a server total the client's clock contradicts is noted.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/verification.hpp"
#include "chimera/measure/agreement.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::agents {

struct AgentMetrics {
  std::size_t calls = 0;

  // Client clock.
  std::optional<double> ttft_ms;  // of the first call: what the user waited for first
  std::string ttft_missing;       // why ttft_ms is absent, as a clause ("no text chunk arrived")
  std::optional<double> e2e_ms;   // Σ end-to-end time of the calls that have one
  // Σ (tokens − 1) / Σ (e2e − TTFT) over the calls with two or more tokens.
  std::optional<double> client_throughput_tps;

  // Server statistics.
  // Σ eval_count / Σ eval_duration over the calls that report both.
  std::optional<double> server_throughput_tps;
  std::optional<double> server_total_ms;  // Σ total_duration, when every call reports one
  std::int64_t tokens_generated = 0;      // the server's counts
  bool tokens_estimated = false;          // some call's count was estimated from chunks
  std::optional<double> prompt_eval_ms;
  std::optional<double> eval_ms;
  std::optional<double> load_ms;

  // The headline figures the tables print and verification checks, each with
  // its source: the server's decode rate when it reports one, else the
  // client's; the server's total when every call reports one, else the
  // client's end-to-end time.
  std::optional<double> throughput_tps;
  bool throughput_from_server = false;
  std::optional<double> total_duration_ms;
  bool total_duration_from_server = false;

  // Calls whose server total exceeds the client's end-to-end time beyond the
  // tolerance (measure/agreement.hpp), and the largest such gap.
  std::size_t disagreeing_calls = 0;
  std::optional<measure::ClockDisagreement> largest_disagreement;
  // Calls with a server statistic set apart as implausible (left out of
  // every figure here).
  std::size_t implausible_calls = 0;
};

// Sums the server-side durations only over calls that report them; a duration
// no call reports stays absent ("n/a"), never 0.
AgentMetrics aggregate_metrics(const std::vector<measure::RequestResult>& calls);

// "client clock" or "server statistics".
const char* source_name(bool from_server);

// One sentence warning that the server's statistics disagree with the
// client's clock; "" when they agree.
std::string disagreement_warning(const AgentMetrics& metrics);

// The metrics as known figures for verification, labelled "<who> throughput"
// with a source that names the client clock or the server statistics,
// measured in this run (group "this run"). They are about `who` and every name
// in `also` (its model, its profile).
std::vector<KnownFigure> measured_figures(const AgentMetrics& metrics, const std::string& who,
                                          const std::vector<std::string>& also = {});

// The numeric options that were sent (num_ctx=1024 ...): the model may quote
// them. Settings: they verify only a sentence that names them.
std::vector<KnownFigure> configuration_figures(const nlohmann::json& options,
                                               const std::string& who,
                                               const std::vector<std::string>& also = {});

}  // namespace chimera::agents
