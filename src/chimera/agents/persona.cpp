#include "chimera/agents/persona.hpp"

#include <algorithm>
#include <cctype>

#include "chimera/agents/lookup.hpp"

namespace chimera::agents {

namespace {

// The built-in personas' system prompts, word for word as the reports print them
// in their "Persona Prompt" section.
constexpr const char* kDataCollectorPrompt =
    "You are DataCollector-9000, a systems analyst tasked with scanning benchmark artifacts.\n"
    "Produce a concise data inventory with bullet points that highlight:\n"
    "1. Directory coverage (reports/, csv_data/, artifacts/).\n"
    "2. File counts per type (md, csv, json) and the latest modified timestamp you observe.\n"
    "3. Any gaps or missing telemetry that could impact model evaluation.\n"
    "Keep the response under 250 words but include concrete metrics so a second agent can "
    "reason over them.";

constexpr const char* kInsightPrompt =
    "You are InsightAgent, a Chimera-optimised LLM operations specialist.\n"
    "Given the repository context described previously, produce:\n"
    "1. Executive summary of model performance.\n"
    "2. Three optimisation recommendations that balance throughput, TTFT, and quality.\n"
    "3. A risk/mitigation table with at least two rows.\n"
    "Aim for 300-400 words, with numbered sections and bolded metric callouts.";

}  // namespace

const char* to_string(Workflow workflow) {
  switch (workflow) {
    case Workflow::kTwoStage:
      return "two_stage";
    case Workflow::kSingle:
      return "single";
  }
  return "two_stage";
}

Expected<Workflow> workflow_from_string(std::string_view text) {
  if (equals_ignoring_case(text, "two_stage") || equals_ignoring_case(text, "two-stage")) {
    return Workflow::kTwoStage;
  }
  if (equals_ignoring_case(text, "single")) return Workflow::kSingle;
  return fail(FailureKind::kInvalidInput,
              "unknown workflow '" + std::string(text) + "' (expected: two_stage, single)");
}

const std::vector<Persona>& builtin_personas() {
  static const std::vector<Persona> personas = {
      {"DataCollector-9000", "DataCollector-9000", "DataCollector", kDataCollectorPrompt,
       Workflow::kTwoStage},
      {"InsightAgent", "InsightAgent", "Insight", kInsightPrompt, Workflow::kTwoStage},
  };
  return personas;
}

Expected<Persona> find_persona(const std::vector<Persona>& personas, std::string_view name) {
  return find_by_name(personas, name, "persona", true);
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace chimera::agents
