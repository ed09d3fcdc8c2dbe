#pragma once
// The report of a `chimera run` output directory, read back from its files
// (summary.json, run_N/metrics.json, requests.jsonl, the agents' Markdown
// reports), so the page shows exactly what those files hold, whether
// `chimera run` writes it as it goes or `chimera report` renders it later.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "chimera/measure/request.hpp"
#include "chimera/util/error.hpp"

namespace chimera::report {

// One line of requests.jsonl.
struct RunCall {
  int run = 0;
  std::string phase, agent;
  // Sent and answered, ms after the run began; absent in files from before
  // requests carried them.
  std::optional<double> start_ms, end_ms;
  measure::RequestResult result;
};

struct RunAgentReport {
  std::string agent;
  std::string file;  // relative to the output directory
  std::string markdown;
};

struct RunDirectory {
  std::filesystem::path dir;
  std::string scenario;
  bool simulated = false;
  bool complete = false;             // summary.json says every run finished
  std::vector<nlohmann::json> runs;  // each run's metrics.json, in order
  nlohmann::json concurrency;        // summary.json "concurrency" (across runs), or null
  std::vector<RunCall> calls;
  int reports_run = 0;  // the run whose agent reports are shown (the last one with any)
  std::vector<RunAgentReport> reports;
  std::vector<std::string> warnings;  // what could not be read, and why
};

// True when `dir` looks like a `chimera run` output directory.
bool is_run_directory(const std::filesystem::path& dir);

// Fails only when nothing of a run is there; a missing or unreadable file
// becomes a warning on the page.
Expected<RunDirectory> read_run_directory(const std::filesystem::path& dir);

// The self-contained HTML page.
void write_run_page(const RunDirectory& run, std::ostream& out);

// Reads `dir` and writes <dir>/report.html atomically; returns its path.
Expected<std::filesystem::path> write_run_report(const std::filesystem::path& dir);

}  // namespace chimera::report
