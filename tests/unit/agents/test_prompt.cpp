#include <gtest/gtest.h>

#include "chimera/agents/catalog.hpp"
#include "chimera/agents/prompt.hpp"

namespace chimera::agents {
namespace {

Persona insight() {
  return *Catalog::builtin().persona("InsightAgent");
}

Profile with_num_ctx(int num_ctx) {
  Profile p = *Catalog::builtin().profile("baseline");
  p.options = {{"num_ctx", num_ctx}};
  return p;
}

TEST(AgentsPrompt, BudgetGrowsWithTheContextWindow) {
  const auto small = data_summary_budget(insight(), with_num_ctx(256));
  const auto large = data_summary_budget(insight(), with_num_ctx(4096));
  EXPECT_FALSE(small.num_ctx_assumed);
  EXPECT_EQ(small.num_ctx, 256);
  // 256 tokens cannot hold persona, instructions, analysis and answer: no room for data.
  EXPECT_EQ(small.data_summary_tokens, 0u);
  EXPECT_EQ(small.answer_tokens, 64u);
  EXPECT_EQ(large.answer_tokens, 1024u);
  EXPECT_EQ(large.analysis_tokens, 1024u);
  EXPECT_EQ(large.data_summary_tokens, 4096 - large.persona_tokens - large.instruction_tokens -
                                           large.answer_tokens - large.analysis_tokens);
  EXPECT_GT(large.data_summary_tokens, 1500u);
  EXPECT_EQ(large.data_summary_chars, large.data_summary_tokens * 4);
}

TEST(AgentsPrompt, BudgetAssumesServerDefaultWithoutNumCtx) {
  const auto budget = data_summary_budget(insight(), *Catalog::builtin().profile("baseline"));
  EXPECT_TRUE(budget.num_ctx_assumed);
  EXPECT_EQ(budget.num_ctx, 2048);
  BudgetOptions pipeline;
  pipeline.upstream_tokens = 300;
  const auto with_upstream =
      data_summary_budget(insight(), *Catalog::builtin().profile("baseline"), pipeline);
  EXPECT_EQ(with_upstream.data_summary_tokens + 300, budget.data_summary_tokens);
}

TEST(AgentsPrompt, SingleCallPersonaNeedsNoRoomForAnAnalysis) {
  Persona single = insight();
  single.workflow = Workflow::kSingle;
  EXPECT_EQ(data_summary_budget(single, with_num_ctx(4096)).analysis_tokens, 0u);
}

TEST(AgentsPrompt, StagesCarryDataUpstreamAndAnalysis) {
  const Persona persona = insight();
  PromptInput input;
  input.persona = &persona;
  input.data_summary = "Total files analysed: 101";
  input.upstream = {{"DataCollector-9000", "- 28 CSV files"}};
  input.analysis = "ANALYSIS TEXT";

  const auto analysis = build_prompt(Stage::kAnalysis, input);
  ASSERT_EQ(analysis.messages.size(), 2u);
  EXPECT_EQ(analysis.messages[0].role, "system");
  EXPECT_EQ(analysis.system(), persona.system_prompt);
  EXPECT_NE(analysis.user().find("Total files analysed: 101"), std::string::npos);
  EXPECT_NE(analysis.user().find("Answer of the agent DataCollector-9000"), std::string::npos);
  EXPECT_NE(analysis.user().find("- 28 CSV files"), std::string::npos);
  EXPECT_EQ(analysis.user().find("ANALYSIS TEXT"), std::string::npos);  // stage 1 has none

  const auto report = build_prompt(Stage::kReport, input);
  EXPECT_NE(report.user().find("ANALYSIS TEXT"), std::string::npos);
  EXPECT_NE(report.user().find("Total files analysed: 101"), std::string::npos);
  EXPECT_NE(report.user().find("Key Findings"), std::string::npos);
}

TEST(AgentsPrompt, FitToBudgetCutsAtALineAndSaysSo) {
  const std::string summary = "line one\nline two\nline three\nline four\n";
  EXPECT_EQ(fit_to_budget(summary, 1000), summary);
  std::string long_summary = summary;
  long_summary.append(200, 'x');
  const auto cut = fit_to_budget(long_summary, 90);
  EXPECT_LE(cut.size(), 90u);
  EXPECT_TRUE(cut.starts_with("line one\n"));
  EXPECT_NE(cut.find("left out to fit the context window"), std::string::npos);
  EXPECT_EQ(estimate_tokens("12345678"), 2u);
  EXPECT_EQ(estimate_tokens("123456789"), 3u);
}

}  // namespace
}  // namespace chimera::agents
