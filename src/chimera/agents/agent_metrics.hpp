#pragma once
// One agent's measured figures over its LLM calls (analysis + report, or the
// single call), as the report's Metrics section prints them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/verification.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::agents {

struct AgentMetrics {
  std::size_t calls = 0;
  // Total tokens over total decode time of the calls that report a decode rate
  // (for one call: its decode_tps).
  std::optional<double> throughput_tps;
  std::optional<double> ttft_ms;  // of the first call: what the user waited for first
  std::optional<double> total_duration_ms;
  bool total_duration_from_server = false;  // Ollama's total_duration, else client end-to-end
  std::int64_t tokens_generated = 0;
  bool tokens_estimated = false;  // some call's count was estimated from chunks
  std::optional<double> prompt_eval_ms;
  std::optional<double> eval_ms;
  std::optional<double> load_ms;
};

// Sums the server-side durations only over calls that report them; a duration
// no call reports stays absent ("n/a"), never 0.
AgentMetrics aggregate_metrics(const std::vector<measure::RequestResult>& calls);

// The metrics as known figures for verification, labelled "<who> throughput"
// with source "measured: <who> ...", measured in this run (group "this run").
// They are about `who` and every name in `also` (its model, its profile).
std::vector<KnownFigure> measured_figures(const AgentMetrics& metrics, const std::string& who,
                                          const std::vector<std::string>& also = {});

// The numeric options that were sent (num_ctx=1024 ...): the model may quote
// them. Settings: they verify only a sentence that names them.
std::vector<KnownFigure> configuration_figures(const nlohmann::json& options,
                                               const std::string& who,
                                               const std::vector<std::string>& also = {});

}  // namespace chimera::agents
