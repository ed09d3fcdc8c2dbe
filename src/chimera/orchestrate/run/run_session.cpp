#include "chimera/orchestrate/run/run_session.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "chimera/orchestrate/common/files.hpp"
#include "chimera/orchestrate/common/server.hpp"
#include "chimera/orchestrate/common/sim_launcher.hpp"
#include "chimera/report/combined_report.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {
namespace {

void start_simulators(const RunServers& servers, SimLauncher& sims, AgentRunOptions& options) {
  auto config = sim_config_from(servers.sim_config);
  auto& agents = options.scenario.agents;
  if (servers.sim_shared) {
    // One server, one slot: the agents contend for it.
    config.parallel = 1;
    const std::string url = simulator_url(sims.start(config), options.backend_kind);
    for (auto& a : agents) a.endpoint = url;
  } else {
    // One server per agent, as when each agent has its own Ollama instance.
    for (auto& a : agents) a.endpoint = simulator_url(sims.start(config), options.backend_kind);
  }
  options.default_endpoint = agents.empty() ? "" : agents.front().endpoint;
  options.simulated = true;
}

}  // namespace

std::string default_output_dir(const std::string& scenario) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("chimera-runs/{}-{:04}{:02}{:02}-{:02}{:02}{:02}", file_safe(scenario),
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

AgentRunSummary run_session(AgentRunOptions options, const RunServers& servers) {
  if (options.resume && options.output_dir.empty()) {
    throw UsageError("--resume continues an existing run directory: name it with --output-dir");
  }
  SimLauncher sims;  // outlives the run
  if (servers.sim || servers.sim_shared) {
    start_simulators(servers, sims, options);
  } else {
    options.default_endpoint = server_url(servers.endpoint, options.backend_kind);
  }
  if (options.output_dir.empty()) options.output_dir = default_output_dir(options.scenario.name);
  return run_agents(options);
}

nlohmann::json to_json(const AgentRunSummary& s) {
  nlohmann::json j = {{"output_dir", s.output_dir.string()},
                      {"runs_completed", s.runs_completed},
                      {"runs_kept", s.runs_kept},
                      {"interrupted_run", s.interrupted_run},
                      {"agent_failures", s.agent_failures},
                      {"interrupted", s.interrupted},
                      {"simulated", s.simulated},
                      {"reports", s.report_paths}};
  j["concurrency"] = s.concurrency ? report::to_json(*s.concurrency) : nlohmann::json(nullptr);
  j["run_verdicts"] = s.run_verdicts;
  return j;
}

}  // namespace chimera::orchestrate
