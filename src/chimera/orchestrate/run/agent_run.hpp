#pragma once
// `chimera run`: ingest the artifacts, give every agent a data summary fitted
// to its context window, time each agent alone (isolated baselines) and then
// all together, extract and verify what the models wrote, and write the run
// directory and the results store. Each finished run's files are complete on
// disk before the next run starts.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/scenario.hpp"
#include "chimera/backends/backend.hpp"
#include "chimera/orchestrate/common/timeouts.hpp"
#include "chimera/orchestrate/run/concurrency.hpp"
#include "chimera/orchestrate/run/run_directory.hpp"

namespace chimera::orchestrate {

struct AgentRunOptions {
  std::vector<std::filesystem::path> roots;  // ingestion roots (absent ones are reported)
  // Follow symbolic links out of the roots (see ingest/path_policy.hpp).
  bool follow_symlinks = false;
  agents::Scenario scenario;
  std::string default_endpoint;  // for agents without their own; URL
  std::string backend_kind;      // "", ollama, openai
  int runs = 1;
  std::filesystem::path output_dir;
  bool simulated = false;
  // Isolated baselines before the concurrent run (needed for speedup); only
  // meaningful with two or more agents.
  bool isolated_baselines = true;
  // Repetitions of each isolated baseline, summarised by their median.
  int baseline_runs = 2;
  // Warm-up passes at the start of each run: the whole scenario once per pass,
  // one agent at a time, every request the measured one marked as a warm-up;
  // the first run of a process also warms up the concurrent phase once
  // (run_warmup.hpp). 0 also drops the warm-up before each agent's isolated
  // baseline.
  int warmups = 1;
  double contention_threshold = 0.9;
  int permits_per_endpoint = 0;
  backends::Timeouts timeouts = agent_timeouts();
  std::map<std::string, std::string> headers;
  std::string store_url;  // empty: <output_dir>/results.sqlite
  double cold_threshold_ms = 500;
  std::size_t max_line_bytes = std::size_t{1} << 20;  // longest stream line or event kept
  // Continue an interrupted run directory; without it an existing one is refused.
  bool resume = false;
};

struct AgentRunSummary {
  int runs_completed = 0;   // finished runs on disk, kept ones included
  int runs_kept = 0;        // finished before, by an earlier process (--resume)
  int interrupted_run = 0;  // the run that was in flight when interrupted; 0: none
  int agent_failures = 0;   // agents (over all runs) whose calls failed or were empty
  bool interrupted = false;
  bool simulated = false;
  std::filesystem::path output_dir;
  std::vector<std::string> report_paths;
  // Over the finished runs with two or more agents and isolated baselines.
  std::optional<ConcurrencyAggregate> concurrency;
  std::vector<std::string> run_verdicts;  // "run N: <that run's verdict>"
};

AgentRunSummary run_agents(const AgentRunOptions& options);

}  // namespace chimera::orchestrate
