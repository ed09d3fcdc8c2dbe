#pragma once
// Executes the agents of a scenario: each agent's LLM calls (analysis then
// report, or one call) in order, independent agents at the same time on the one
// HTTP event loop, dependents when their inputs are ready. A coordinator hands
// out per-endpoint permits so that a server with few slots is not flooded.
//
// The caller's thread is the coordinator: completions travel from the HTTP
// loop to it through a mailbox, and it decides what to submit next. No thread
// per agent.

#include <map>
#include <string>
#include <vector>

#include "chimera/agents/prompt.hpp"
#include "chimera/agents/scenario.hpp"
#include "chimera/backends/backend.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::orchestrate {

struct WorkflowAgent {
  agents::AgentSpec spec;
  backends::Backend* backend = nullptr;  // where its calls go
  std::string data_summary;              // already fitted to its context window
};

enum class ExecutionMode {
  kConcurrent,  // every agent whose inputs are ready runs at once (within permits)
  kIsolated,    // one agent at a time: the isolated baselines
};

struct ExecutionOptions {
  ExecutionMode mode = ExecutionMode::kConcurrent;
  int permits_per_endpoint = 0;  // 0: no limit
  backends::Timeouts timeouts;
  std::map<std::string, std::string> headers;
  std::string id_prefix;  // request ids: "<prefix>-<agent>-<stage>"
  // Before each agent in isolated mode: its first call's request (same
  // prompt, model, API, options, headers) marked as a warm-up, so its time is
  // measured warm, also after another agent's model took the server.
  bool warm_up_each_isolated_agent = true;
  // Every call of this execution is a warm-up: sent and recorded as such,
  // its times used for nothing.
  bool as_warmup = false;
};

struct AgentExecution {
  std::string agent;
  std::vector<measure::RequestResult> calls;  // analysis, report (or the single call)
  std::vector<measure::RequestResult> warmups;
  std::string failure;     // why it stopped early, when it did (besides a failed call)
  double start_ms = 0;     // first call submitted, ms after the execution began
  double end_ms = 0;       // last call finished
  double analysis_ms = 0;  // the first call's span (or the single call)
  double report_ms = 0;    // the second call's span
  bool ok = false;         // every call ok
  double duration_ms() const { return end_ms - start_ms; }
  const std::string& final_text() const;
};

struct ExecutionResult {
  std::vector<AgentExecution> agents;  // in the scenario's order
  // First call submitted to last call finished. Meaningful for a concurrent
  // execution; an isolated one has warm-ups between its agents.
  double wall_ms = 0;
  bool interrupted = false;
};

// The shape every request of this agent has (model, API, options, headers,
// timeouts); its calls and its warm-ups are built from it.
backends::GenerationRequest agent_request(const WorkflowAgent& agent,
                                          const backends::Timeouts& timeouts,
                                          const std::map<std::string, std::string>& headers);

// `agents` must be in the scenario's order; dependencies are by agent name.
ExecutionResult execute(const std::vector<WorkflowAgent>& agents, const ExecutionOptions& options);

}  // namespace chimera::orchestrate
