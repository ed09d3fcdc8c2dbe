#pragma once
// `chimera verify`: checks every figure of a Markdown report written anywhere
// against the artifacts it claims to describe and, optionally, a `chimera run`
// directory whose measurements it may quote. The verifier and its classes are
// those of the agents' reports (agents/verification.hpp).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "chimera/agents/verification.hpp"
#include "chimera/report/run_record.hpp"

namespace chimera::orchestrate {

struct VerifyReportOptions {
  std::filesystem::path report;                  // the Markdown file
  std::vector<std::filesystem::path> artifacts;  // directories (or files) of data
  std::optional<std::filesystem::path> run_dir;  // a run's output directory or its run_N/
};

struct VerifyReportResult {
  std::string report;                // the file as given
  std::string run_metrics;           // the metrics.json whose agents were known, or ""
  std::size_t artifact_figures = 0;  // figures the artifacts hold
  std::size_t run_agents = 0;        // agents of the run known
  agents::VerificationResult result;
  report::VerificationCounts counts;
  // Figures a reader should not trust: misattributed or unverified.
  std::size_t doubtful() const { return counts.misattributed + counts.unverified; }
};

// Throws UsageError for a missing report or artifact directory, Error for one
// that cannot be read or a run directory without metrics.json.
VerifyReportResult verify_report(const VerifyReportOptions& options);

// The result as text: the counts, then one line per checkable figure.
std::string render_verify_text(const VerifyReportResult& result);
// The result as JSON: the counts and figures[] as in metrics.json.
nlohmann::json verify_json(const VerifyReportResult& result);

}  // namespace chimera::orchestrate
