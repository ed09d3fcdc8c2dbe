#pragma once
// The messages sent for an agent: its persona as the system message, and a user
// message carrying the data summary (real facts from ingestion), the answers of
// the agents it depends on, and the task of the stage. Sizes are estimated at
// about 4 characters per token, the usual rule of thumb for English text with
// Llama/Gemma tokenizers; docs/AGENTS.md explains the budget.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/agents/persona.hpp"
#include "chimera/agents/profile.hpp"

namespace chimera::agents {

struct ChatMessage {
  std::string role;  // "system" | "user"
  std::string content;
};

struct Prompt {
  std::vector<ChatMessage> messages;
  const std::string& system() const { return messages.at(0).content; }
  const std::string& user() const { return messages.at(1).content; }
};

// What an agent upstream in a pipeline answered.
struct UpstreamAnswer {
  std::string agent_name;
  std::string text;
};

enum class Stage {
  kAnalysis,  // stage 1 of the two-stage flow
  kReport,    // stage 2: the report, given the stage-1 analysis
  kSingle,    // the persona answered in one call
};

struct PromptInput {
  const Persona* persona = nullptr;
  std::string data_summary;              // already fitted to the budget by the caller
  std::vector<UpstreamAnswer> upstream;  // empty unless the agent depends on others
  std::string analysis;                  // stage 2 only: the stage-1 answer
};

Prompt build_prompt(Stage stage, const PromptInput& input);

inline constexpr double kCharsPerToken = 4.0;
std::size_t estimate_tokens(std::string_view text);

struct BudgetOptions {
  // Room kept for the model's answer: a quarter of the window, within these bounds.
  int min_answer_tokens = 64;
  int max_answer_tokens = 1024;
  // Tokens of upstream answers the prompt will carry (pipeline agents).
  std::size_t upstream_tokens = 0;
};

struct PromptBudget {
  int num_ctx = kServerDefaultNumCtx;
  bool num_ctx_assumed = true;         // the profile sets no num_ctx: the server default is assumed
  std::size_t persona_tokens = 0;      // system message
  std::size_t instruction_tokens = 0;  // the fixed text of the user message (largest stage)
  std::size_t answer_tokens = 0;       // kept free for the answer
  std::size_t analysis_tokens = 0;     // two-stage: the stage-1 answer carried into stage 2
  std::size_t upstream_tokens = 0;
  std::size_t data_summary_tokens = 0;  // what is left: 0 when nothing fits
  std::size_t data_summary_chars = 0;
};

// How much data summary fits in the profile's context window next to the
// persona, the instructions, upstream answers and the answer (and, for the
// two-stage flow, the stage-1 analysis that stage 2 carries).
PromptBudget data_summary_budget(const Persona& persona, const Profile& profile,
                                 const BudgetOptions& options = {});

// Cuts a summary to at most `max_chars` at a line boundary and says so in a last
// line, so the model is told that data was left out.
std::string fit_to_budget(std::string_view summary, std::size_t max_chars);

}  // namespace chimera::agents
