#include <gtest/gtest.h>

#include "chimera/agents/catalog.hpp"
#include "chimera/agents/subjects.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/report/agent_report.hpp"

namespace chimera::agents {
namespace {

using namespace chimera::report;

TEST(AgentsSubjects, MetricNamesAndWords) {
  EXPECT_EQ(metric_of_name("mean_tokens_s").family, "throughput");
  EXPECT_EQ(metric_of_name("ttft_ms").name(), "duration/ttft");
  EXPECT_EQ(metric_of_name("eval_count").family, "tokens");
  EXPECT_EQ(metric_of_name("prompt_eval_count").family, "tokens");
  EXPECT_EQ(metric_of_name("prompt_eval_ms").name(), "duration/prompt_eval");
  EXPECT_EQ(metric_of_name("num_ctx").name(), "setting/ctx");
  EXPECT_EQ(metric_of_name("compile_time_s").family, "duration");
  EXPECT_FALSE(metric_of_name("score").known());
  EXPECT_TRUE(metrics_conflict({"duration", "ttft"}, {"duration", "load"}));
  EXPECT_FALSE(metrics_conflict({"duration", ""}, {"duration", "load"}));
  EXPECT_FALSE(metrics_conflict({}, {"throughput", ""}));
  EXPECT_TRUE(metrics_conflict({"percent", "accuracy"}, {"percent", "utilization"}));
}

TEST(AgentsSubjects, EntityNamesAreWholeWordsLongestFirst) {
  const EntityVocabulary names(
      {"gemma3", "gemma3:270m", "Chimera (120 layers)", "1/7 (14%)", "x", "g60_c2048_t0.8"});
  const auto found = names.find(
      "gemma3:270m beat gemma3. Chimera (120 layers) and g60_c2048_t0.8, "
      "not gemma3_x nor 1/7 (14%).");
  std::vector<std::string> what;
  for (const auto& m : found) what.push_back(m.what);
  EXPECT_EQ(what, (std::vector<std::string>{"gemma3:270m", "gemma3", "Chimera (120 layers)",
                                            "g60_c2048_t0.8"}));
}

TEST(AgentsSubjects, TableCellKnowsItsHeaderAndRow) {
  const std::string text =
      "Intro\n\n| Model | Throughput (tok/s) | TTFT |\n|---|---|---|\n| gemma3 | 102.5 | 0.13 |\n";
  const auto at = text.find("102.5");
  const auto table = table_context(text, at);
  ASSERT_TRUE(table.found);
  EXPECT_EQ(table.column, 1u);
  EXPECT_EQ(table.header, "Throughput (tok/s)");
  EXPECT_EQ(table.cells.front(), "gemma3");
  EXPECT_FALSE(table_context(text, text.find("Intro")).found);
}

TEST(AgentsSubjects, QuotesAtMost200CharactersAroundTheFigure) {
  const std::string sentence = std::string(300, 'a') + " 15.5 s " + std::string(300, 'b');
  const auto quote = quote_sentence(sentence, "15.5 s");
  EXPECT_LE(quote.size(), 200u + 6);  // two 3-byte ellipses
  EXPECT_NE(quote.find("15.5 s"), std::string::npos);
  EXPECT_TRUE(quote.starts_with("\xE2\x80\xA6"));
  EXPECT_TRUE(quote.ends_with("\xE2\x80\xA6"));
  EXPECT_EQ(quote_sentence("short one", "one"), "short one");
}

class AgentsSubjectVerification : public ::testing::Test {
 protected:
  VectorFigureSource data{{
      {103.16,
       "tok/s",
       "mean_tokens_s",
       "gemma3.csv row 3, column mean_tokens_s",
       "",
       {"gemma3", "g60_c2048_t0.8"}},
      {80.10,
       "tok/s",
       "mean_tokens_s",
       "llama.csv row 1, column mean_tokens_s",
       "",
       {"llama3.1", "g60_c2048_t0.8"}},
      {92.3, "%", "gpu_util_pct", "gpu.csv row 2, column gpu_util_pct", "", {"gemma3"}},
      {929, "tokens", "eval_count", "gemma3.csv row 3, column eval_count", "", {"gemma3"}},
  }};
  VerifiedFigure first(std::string_view text) const {
    const auto result = verify(text, {&data});
    EXPECT_FALSE(result.figures.empty()) << text;
    return result.figures.empty() ? VerifiedFigure{} : result.figures.front();
  }
};

TEST_F(AgentsSubjectVerification, TheSameValueForAnotherEntityIsMisattributed) {
  const auto right = first("gemma3 reached 103.16 tok/s.");
  EXPECT_EQ(right.status, FigureStatus::kVerified);
  EXPECT_EQ(right.entity, "gemma3");
  EXPECT_EQ(right.metric, "throughput");
  const auto wrong = first("llama3.1 reached 103.16 tok/s.");
  EXPECT_EQ(wrong.status, FigureStatus::kMisattributed);
  ASSERT_FALSE(wrong.matches.empty());
  EXPECT_EQ(wrong.matches.front().source, "gemma3.csv row 3, column mean_tokens_s");
  // Both names of a row, joined in one phrase, must fit the same row.
  EXPECT_EQ(first("llama3.1 (g60_c2048_t0.8) reached 103.16 tok/s.").status,
            FigureStatus::kMisattributed);
  EXPECT_EQ(first("gemma3 (g60_c2048_t0.8) reached 103.16 tok/s.").status, FigureStatus::kVerified);
}

TEST_F(AgentsSubjectVerification, PercentChangeBetweenTwoEntitiesIsDerivedWithItsFormula) {
  const auto f = first("gemma3 was 28.8% faster than llama3.1.");
  EXPECT_EQ(f.status, FigureStatus::kDerived);
  EXPECT_NE(f.formula.find("(103.16 - 80.1) / 80.1 = +28.8%"), std::string::npos) << f.formula;
  ASSERT_EQ(f.matches.size(), 2u);
  EXPECT_EQ(first("gemma3 was 23.06 tok/s faster than llama3.1.").status, FigureStatus::kDerived);
  EXPECT_EQ(first("gemma3 was 1.29x faster than llama3.1.").status, FigureStatus::kDerived);
  EXPECT_EQ(first("gemma3 was 31.5% faster than llama3.1.").status, FigureStatus::kUnverified);
}

TEST_F(AgentsSubjectVerification, ValuesWithoutSubjectOrOfAnotherMetricAreUnverified) {
  // Random prose: a number that names nothing is no evidence of anything.
  const auto bare = first("The sky was 929 above the hills.");
  EXPECT_EQ(bare.status, FigureStatus::kUnverified);
  EXPECT_NE(bare.reason.find("no subject"), std::string::npos);
  EXPECT_EQ(first("gemma3 produced 929 tokens.").status, FigureStatus::kVerified);
  // 92.3 is a GPU utilisation, not an accuracy.
  EXPECT_EQ(first("Accuracy reached 92.3%.").status, FigureStatus::kUnverified);
  EXPECT_EQ(first("GPU utilization was 92.3%.").status, FigureStatus::kVerified);
}

TEST_F(AgentsSubjectVerification, WordCountsAreTrivial) {
  const auto f = first("Write the summary in 300 words.");
  EXPECT_EQ(f.status, FigureStatus::kTrivial);
  EXPECT_EQ(first("a 500-word summary").status, FigureStatus::kTrivial);
}

TEST(AgentsReportLists, AnEmptySectionSaysNoneFound) {
  AgentReportInput in;
  in.agent = *Catalog::builtin().resolve({"InsightAgent", "InsightAgent", "baseline", "", {}});
  measure::RequestResult call;
  call.status = measure::Status::kOk;
  call.text = "Nothing in sections here at all";
  call.output_tokens = 8;
  in.calls = {call};
  const auto report = render_agent_report(in);
  EXPECT_EQ(report.find("Extracted from none found"), std::string::npos) << report;
  EXPECT_NE(report.find("## Recommendations\n\nnone found\n"), std::string::npos) << report;
}

}  // namespace
}  // namespace chimera::agents
