#pragma once
// Model reloads inside a concurrent run, and whether running together caused
// them. A reload caused by running together is contention, the costliest
// kind: the server swaps the model back and forth between the agents' layouts.
//
// A call paid a reload when
//   - the server reports its load time (Ollama's load_duration): above the
//     cold threshold (`chimera run --cold-threshold-ms`, 500 ms by default);
//   - the server reports none (OpenAI-compatible servers): its TTFT jumped
//     against the agent's warm baseline, the median TTFT of the same call over
//     the agent's isolated repetitions: TTFT − warm > the cold threshold and
//     TTFT ≥ kTtftJumpFactor × warm, while no other call of the run was in
//     flight on the same server between its send and its first token (a wait
//     behind another request would explain the jump as queueing instead).
//
// A concurrent reload is set apart from contention, with its cause, when
//   1. the agent's measured isolated calls reloaded too (the isolated phase
//      shows it: its baseline already pays it);
//   2. no other agent of the run sends to that server (running together
//      cannot have caused it: keep_alive expiry, or another client);
//   3. the model sat idle on that server, within the concurrent run, for at
//      least kDefaultKeepAliveS before the call (keep_alive expiry: `chimera
//      run` sends no keep_alive, so Ollama's default of 5 minutes applies).
// Every other concurrent reload was caused by running together.

#include <map>
#include <string>
#include <vector>

#include "chimera/orchestrate/run/workflow.hpp"

namespace chimera::orchestrate {

inline constexpr double kTtftJumpFactor = 2.0;
inline constexpr double kDefaultKeepAliveS = 300.0;

// Where an agent's calls go and the options that decide the model's layout
// on the server (a change of any of them makes Ollama reload the model).
struct AgentServer {
  std::string endpoint;
  std::string model;
  std::map<std::string, std::string> load_options;  // num_ctx, num_gpu when sent
};

struct ReloadFindings {
  std::size_t reloads = 0;            // concurrent calls that paid a model (re)load
  std::size_t isolated_reloads = 0;   // measured isolated calls that paid one
  std::vector<std::string> evidence;  // one line per concurrent reload: what showed it
  std::string cause;                  // "" when running together caused them
};

// The server an agent's calls went to, read from the calls as sent.
AgentServer agent_server(const AgentExecution& execution);

// One entry per agent of `concurrent`, in its order; `isolated` holds every
// isolated repetition (the same agents in the same order).
std::vector<ReloadFindings> find_reloads(const std::vector<ExecutionResult>& isolated,
                                         const ExecutionResult& concurrent,
                                         double cold_threshold_ms);

// "num_ctx (a 2048, b 1024), num_gpu (a 140, b 120)": the layout options that
// differ between `reloaded` (indices) and the agents sharing a server with
// them; the model too when it differs. Empty when nothing differs.
std::string differing_layouts(const std::vector<std::string>& names,
                              const std::vector<AgentServer>& servers,
                              const std::vector<std::size_t>& reloaded);

}  // namespace chimera::orchestrate
