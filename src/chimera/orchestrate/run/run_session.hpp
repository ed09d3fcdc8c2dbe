#pragma once
// `chimera run` from the chosen scenario to the written run directory: which
// server each agent talks to (the user's, the default, or simulators started
// here for the length of the run), where the output goes, and the summary the
// command prints.

#include <nlohmann/json.hpp>
#include <string>

#include "chimera/orchestrate/run/agent_run.hpp"

namespace chimera::orchestrate {

struct RunServers {
  std::string endpoint;     // for agents without their own; empty: the backend's default
  bool sim = false;         // one simulator per agent
  bool sim_shared = false;  // one single-slot simulator shared by every agent
  std::string sim_config;   // YAML for the simulators; empty: defaults
};

// Points the agents at their servers, fills an empty output directory with
// chimera-runs/<scenario>-<UTC time>, and runs the scenario.
AgentRunSummary run_session(AgentRunOptions options, const RunServers& servers);

// chimera-runs/<scenario>-<UTC time>
std::string default_output_dir(const std::string& scenario);

// The --json document of `chimera run`.
nlohmann::json to_json(const AgentRunSummary& summary);

}  // namespace chimera::orchestrate
