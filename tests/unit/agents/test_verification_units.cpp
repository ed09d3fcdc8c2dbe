#include <gtest/gtest.h>

#include "chimera/agents/catalog.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/report/agent_report.hpp"

namespace chimera::agents {
namespace {

using namespace chimera::report;

// Known figures typed as the ingestion source types them from their names.
class AgentsVerificationUnits : public ::testing::Test {
 protected:
  VectorFigureSource data{{
      {1.64, "s", "eval_s", "sweep.csv row 2, column eval_s"},
      {4096, "count", "num_ctx", "sweep.csv row 2, column num_ctx"},
      {2, "count", "batch_size", "run.json $.batch_size"},
      {102.31, "tok/s", "mean_tokens_s", "sweep.csv row 1, column mean_tokens_s"},
      {128, "ms", "ttft_ms", "sweep.csv row 1, column ttft_ms"},
      {0.125, "fraction", "error_rate", "sweep.csv row 1, column error_rate"},
      {46, "%", "gpu_util_pct", "sweep.csv row 1, column gpu_util_pct"},
      {0.37, "", "score", "notes.json $.score"},
      {12.5, "samples/s", "samples_s", "train.json $.samples_s"},
  }};

  VerifiedFigure only(std::string_view text) const {
    const auto result = verify(text, {&data});
    EXPECT_EQ(result.total(), 1u) << text;
    return result.figures.empty() ? VerifiedFigure{} : result.figures.front();
  }
  FigureStatus status_of(std::string_view text) const { return only(text).status; }
};

TEST_F(AgentsVerificationUnits, PercentNeverMatchesSecondsCountsOrUntypedValues) {
  EXPECT_EQ(status_of("eval grew 164%"), FigureStatus::kUnverified);  // eval_s = 1.64 s
  EXPECT_EQ(status_of("a 4096% rise"), FigureStatus::kUnverified);    // num_ctx = 4096
  EXPECT_EQ(status_of("a 37% score"), FigureStatus::kUnverified);     // 0.37 of no known unit
  EXPECT_EQ(status_of("12,800% slower"), FigureStatus::kUnverified);  // ttft 128 ms
  EXPECT_EQ(status_of("10231% faster"), FigureStatus::kUnverified);   // 102.31 tok/s
}

TEST_F(AgentsVerificationUnits, PercentMatchesAPercentOrAFraction) {
  const auto from_fraction = only("errors in 12.5% of requests");
  EXPECT_EQ(from_fraction.status, FigureStatus::kVerified);
  EXPECT_EQ(from_fraction.matches.front().label, "error_rate");
  EXPECT_EQ(only("GPU 46% busy").matches.front().label, "gpu_util_pct");
  EXPECT_EQ(status_of("GPU 0.46% busy"), FigureStatus::kUnverified);  // a percent is not rescaled
}

TEST_F(AgentsVerificationUnits, TimesConvertBetweenSecondsAndMilliseconds) {
  EXPECT_EQ(only("TTFT 0.128 s").matches.front().label, "ttft_ms");
  EXPECT_EQ(only("eval 1640 ms").matches.front().label, "eval_s");
  EXPECT_EQ(status_of("TTFT 128 s"), FigureStatus::kUnverified);
  EXPECT_EQ(status_of("it took 4096 ms"), FigureStatus::kUnverified);  // a count is not a time
}

TEST_F(AgentsVerificationUnits, OtherUnitsMatchOnlyThemselvesOrUntypedValues) {
  EXPECT_EQ(only("102.31 tok/s").matches.front().label, "mean_tokens_s");
  EXPECT_EQ(status_of("102.31 tokens per second"), FigureStatus::kVerified);
  EXPECT_EQ(status_of("12.5 tok/s"), FigureStatus::kUnverified);  // samples/s is not tok/s
  EXPECT_EQ(status_of("0.37 s"), FigureStatus::kVerified);        // untyped, taken as written
  EXPECT_EQ(status_of("370 ms"), FigureStatus::kUnverified);      // but not converted
  // num_ctx is a setting: it verifies a count of tokens only where the text
  // names it ("context"), never "4096 tokens" alone.
  EXPECT_EQ(status_of("4096 tokens"), FigureStatus::kUnverified);
  EXPECT_EQ(status_of("a context of 4096 tokens"), FigureStatus::kVerified);
  EXPECT_EQ(status_of("4096 GB"), FigureStatus::kUnverified);
}

TEST_F(AgentsVerificationUnits, BareNumbersMatchAnyUnit) {
  EXPECT_EQ(status_of("| num_ctx | 4096 |"), FigureStatus::kVerified);
  EXPECT_EQ(status_of("| eval | 1.64 |"), FigureStatus::kVerified);
  EXPECT_EQ(status_of("| samples_s | 12.5 |"), FigureStatus::kVerified);
  // A number whose row names no metric, unit or entity has no subject to check.
  EXPECT_EQ(status_of("| rate | 12.5 |"), FigureStatus::kUnverified);
}

TEST_F(AgentsVerificationUnits, SmallIntegersAreTrivial) {
  const auto result =
      verify("| batch | 2 |\n3 of 5 prompts, 3 agents, 2.0 s, 2 ms, 10 runs.", {&data});
  ASSERT_EQ(result.total(), 7u);
  EXPECT_EQ(result.figures[0].status, FigureStatus::kTrivial);  // batch_size = 2 proves nothing
  EXPECT_FALSE(result.figures[0].verified);
  EXPECT_TRUE(result.figures[0].matches.empty());
  EXPECT_EQ(result.figures[4].status, FigureStatus::kUnverified);  // "2.0 s": decimals, a unit
  EXPECT_EQ(result.figures[5].status, FigureStatus::kUnverified);  // "2 ms": a unit
  EXPECT_EQ(result.figures[6].status, FigureStatus::kUnverified);  // "10": not below 10
  EXPECT_EQ(result.trivial_count(), 4u);
  EXPECT_EQ(result.unverified_count(), 3u);
  EXPECT_EQ(result.verified_count(), 0u);
  EXPECT_EQ(result.unverified().size(), 3u);
  EXPECT_EQ(result.trivial().front().text_as_written, "2");
}

TEST(AgentsTrivialFigure, WholeNumbersBelowTenWithoutUnit) {
  EXPECT_TRUE(is_trivial_figure(2, "", 0));
  EXPECT_TRUE(is_trivial_figure(-9, "", 0));
  EXPECT_TRUE(is_trivial_figure(0, "", 0));
  EXPECT_FALSE(is_trivial_figure(10, "", 0));
  EXPECT_FALSE(is_trivial_figure(2, "%", 0));
  EXPECT_FALSE(is_trivial_figure(2.5, "", 1));
  EXPECT_EQ(std::string(to_string(FigureStatus::kTrivial)), "trivial");
}

TEST_F(AgentsVerificationUnits, ReportCountsSmallIntegersApart) {
  constexpr const char* kAnswer = "Used 3 agents with batch 2 at 102.31 tok/s and 164% gains.";
  AgentReportInput in;
  in.agent = *Catalog::builtin().resolve({"InsightAgent", "InsightAgent", "baseline", "", {}});
  measure::RequestResult call;
  call.status = measure::Status::kOk;
  call.text = kAnswer;
  call.output_tokens = 20;
  in.calls = {call};
  in.verification = verify(kAnswer, {&data});
  const auto report = render_agent_report(in);
  EXPECT_NE(report.find("- Figures in the answer: 4 (2 checkable)\n- Verified: 1\n"
                        "- Misattributed: 0\n- Derived: 0\n- Unverified: 1\n- Trivial: 2\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("`164%` (percent) in:"), std::string::npos) << report;
  EXPECT_NE(report.find("### Trivial figures\n\n2 figures not checked"), std::string::npos);
  EXPECT_LT(report.find("### Unverified figures"), report.find("### Trivial figures"));
}

}  // namespace
}  // namespace chimera::agents
