#pragma once
// One agent's report in the layout of a published agent report, plus what makes
// it checkable: title and header, the LLM's report verbatim, Workflow Summary,
// Metrics (measured, expectations only beside them), Key Findings,
// Recommendations, Data Facts with provenance, Verification, Persona Prompt.
// A failed or empty call yields a report that says so and holds no analysis.

#include <string>
#include <vector>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/agents/extraction.hpp"
#include "chimera/agents/scenario.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::report {

struct TimingSplit {
  double ingest_s = 0.0;
  double analysis_s = 0.0;
  double report_s = 0.0;  // 0 for a single-call persona
};

struct DataFact {
  std::string text;        // "gemma3_270m_param_tuning.csv: best mean_tokens_s 14.24"
  std::string provenance;  // "reports/gemma3/gemma3_270m_param_tuning.csv row 3, column ..."
};

struct AgentReportInput {
  agents::AgentSpec agent;
  std::string date;  // as printed, e.g. "2025-11-15"
  bool simulated = false;
  // The LLM calls in order: analysis then report, or the single call. The last
  // call's text is the report printed verbatim.
  std::vector<measure::RequestResult> calls;
  // Set when the agent stopped before or between calls (e.g. "cancelled: ...").
  std::string failure;
  TimingSplit timing;
  std::size_t files_analysed = 0;
  std::string data_summary;
  std::vector<DataFact> facts;
  agents::Extraction extraction;
  agents::VerificationResult verification;
};

// Why an agent produced no usable answer, if it did not.
struct AgentFailure {
  std::string stage;    // "analysis" | "report" | "single" | ""
  std::string kind;     // error kind of the call ("connect", "http", ...) or "empty"
  std::string message;  // one sentence
};
std::optional<AgentFailure> agent_failure(const AgentReportInput& input);

std::string render_agent_report(const AgentReportInput& input);

}  // namespace chimera::report
