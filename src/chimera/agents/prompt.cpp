#include "chimera/agents/prompt.hpp"

#include <algorithm>

#include "chimera/util/utf8.hpp"

namespace chimera::agents {

namespace {

constexpr std::string_view kGrounding =
    "Use only the figures given in the data summary below (and in the answers of other "
    "agents, if any). Quote numbers exactly as given, with their units. If a figure you "
    "would need is not there, say that it is missing instead of estimating it.";

constexpr std::string_view kAnalysisTask =
    "Analyse the benchmark data summarised above. Structure your answer in Markdown with "
    "the sections \"Key Findings\" and \"Recommendations\", each as a bulleted list.";

constexpr std::string_view kReportTask =
    "Write a technical report from your analysis above, in Markdown, with these sections: "
    "1. Executive Summary, 2. Data Ingestion Summary, 3. Performance Analysis, "
    "4. Key Findings (bulleted), 5. Recommendations (numbered), 6. Conclusion.";

constexpr std::string_view kSingleTask = "Answer as your instructions ask, in Markdown.";

std::string user_message(Stage stage, const PromptInput& input) {
  std::string out;
  out += kGrounding;
  out += "\n\n## Data summary\n\n";
  out += input.data_summary.empty() ? "(no data summary was provided)" : input.data_summary;
  out += "\n";
  for (const auto& upstream : input.upstream) {
    out += "\n## Answer of the agent " + upstream.agent_name + "\n\n" + upstream.text + "\n";
  }
  if (stage == Stage::kReport) {
    out += "\n## Your analysis\n\n" + input.analysis + "\n";
  }
  out += "\n## Task\n\n";
  out += stage == Stage::kAnalysis ? kAnalysisTask
         : stage == Stage::kReport ? kReportTask
                                   : kSingleTask;
  out += "\n";
  return out;
}

}  // namespace

Prompt build_prompt(Stage stage, const PromptInput& input) {
  Prompt prompt;
  prompt.messages.push_back({"system", input.persona ? input.persona->system_prompt : ""});
  prompt.messages.push_back({"user", user_message(stage, input)});
  return prompt;
}

std::size_t estimate_tokens(std::string_view text) {
  return static_cast<std::size_t>((static_cast<double>(text.size()) + kCharsPerToken - 1) /
                                  kCharsPerToken);
}

PromptBudget data_summary_budget(const Persona& persona, const Profile& profile,
                                 const BudgetOptions& options) {
  PromptBudget budget;
  const auto window = context_window(profile.options);
  budget.num_ctx = window.tokens;
  budget.num_ctx_assumed = window.assumed;
  budget.persona_tokens = estimate_tokens(persona.system_prompt);
  // The instructions of the largest user message, with empty data and analysis.
  PromptInput empty;
  empty.persona = &persona;
  const Stage largest = persona.workflow == Workflow::kTwoStage ? Stage::kReport : Stage::kSingle;
  budget.instruction_tokens = estimate_tokens(user_message(largest, empty));
  budget.answer_tokens = static_cast<std::size_t>(
      std::clamp(window.tokens / 4, options.min_answer_tokens, options.max_answer_tokens));
  // Stage 2 carries the stage-1 answer, which can be as long as an answer.
  budget.analysis_tokens = persona.workflow == Workflow::kTwoStage ? budget.answer_tokens : 0;
  budget.upstream_tokens = options.upstream_tokens;
  const std::size_t used = budget.persona_tokens + budget.instruction_tokens +
                           budget.answer_tokens + budget.analysis_tokens + budget.upstream_tokens;
  const auto window_tokens = static_cast<std::size_t>(window.tokens);
  budget.data_summary_tokens = used < window_tokens ? window_tokens - used : 0;
  budget.data_summary_chars =
      static_cast<std::size_t>(static_cast<double>(budget.data_summary_tokens) * kCharsPerToken);
  return budget;
}

std::string fit_to_budget(std::string_view summary, std::size_t max_chars) {
  if (summary.size() <= max_chars) return std::string(summary);
  constexpr std::string_view kCut =
      "\n... (rest of the summary left out to fit the context window)";
  if (max_chars <= kCut.size()) return "";
  std::string_view kept = util::utf8_prefix(summary, max_chars - kCut.size());
  if (auto nl = kept.rfind('\n'); nl != std::string_view::npos) kept = kept.substr(0, nl);
  return std::string(kept) + std::string(kCut);
}

}  // namespace chimera::agents
