#include <gtest/gtest.h>

#include "chimera/agents/numbers.hpp"
#include "chimera/agents/verification.hpp"

namespace chimera::agents {
namespace {

std::vector<std::string> written(const std::vector<NumberInText>& numbers) {
  std::vector<std::string> out;
  for (const auto& n : numbers) out.push_back(n.text_as_written);
  return out;
}

TEST(AgentsNumbers, FindsFiguresWithUnits) {
  const auto numbers = find_numbers(
      "Throughput was 108.37 tok/s and TTFT 553 ms. Load took 0.46s, 2,099 tokens, 34% faster, "
      "1.5x the baseline, 3.2 GB of VRAM at 15 tokens per second.");
  ASSERT_EQ(written(numbers),
            (std::vector<std::string>{"108.37 tok/s", "553 ms", "0.46s", "2,099 tokens", "34%",
                                      "1.5x", "3.2 GB", "15 tokens per second"}));
  EXPECT_EQ(numbers[0].unit, "tok/s");
  EXPECT_EQ(numbers[0].decimals, 2);
  EXPECT_EQ(numbers[1].unit, "ms");
  EXPECT_EQ(numbers[2].unit, "s");
  EXPECT_DOUBLE_EQ(numbers[3].value, 2099);
  EXPECT_EQ(numbers[4].unit, "%");
  EXPECT_EQ(numbers[5].unit, "x");
  EXPECT_EQ(numbers[7].unit, "tok/s");
  EXPECT_EQ(numbers[1].sentence, "Throughput was 108.37 tok/s and TTFT 553 ms.");
}

TEST(AgentsNumbers, SkipsMarkersDatesVersionsSectionsAndNames) {
  const auto numbers = find_numbers(
      "**4. Key Findings**\n"
      "1. First item on 2025-10-09 at 18:53:30\n"
      "## 4.3 Results\n"
      "See Section 4.3 and Rank 1 of TR108 for gemma3 270m on Llama3.1 q4_0 v1.2.3 and 1.2.3.\n"
      "Dated October 27, 2025 in file conv_bench_20251002-170837.json; the 2nd run.\n"
      "Real: 42 and 15.5 seconds.");
  EXPECT_EQ(written(numbers), (std::vector<std::string>{"42", "15.5 seconds"}));
}

TEST(AgentsNumbers, RangeStartTakesTheUnitOfItsEnd) {
  const auto numbers = find_numbers("between 13.60 - 15.84ms and 300 to 400 tokens");
  ASSERT_EQ(numbers.size(), 4u);
  EXPECT_EQ(numbers[0].unit, "ms");
  EXPECT_EQ(numbers[2].unit, "tokens");
}

class AgentsVerificationTest : public ::testing::Test {
 protected:
  VectorFigureSource facts{{
      {14.24, "tok/s", "best mean_tokens_s", "reports/gemma3/gemma3_270m_param_tuning.csv row 3"},
      {101, "", "files", "inventory"},
      {0.3412, "fraction", "relative change", "compare.json $.delta"},
  }};
  VectorFigureSource measured{{
      {108.3712, "tok/s", "InsightAgent throughput", "measured: run 1 InsightAgent decode_tps"},
      {553.07, "ms", "InsightAgent TTFT", "measured: run 1 InsightAgent ttft_ms"},
      {2099, "tokens", "InsightAgent tokens", "measured: run 1 InsightAgent output_tokens"},
  }};
  VerificationResult check(std::string_view text) { return verify(text, {&facts, &measured}); }
};

TEST_F(AgentsVerificationTest, RightFiguresPassIncludingRoundingAndUnitChanges) {
  const auto result = check(
      "We saw 108.37 tok/s (about 108 tok/s), a TTFT of 0.553 s, i.e. 553.1 ms; 2,099 tokens in "
      "101 files; the best run reached 14.24 tokens/s. The relative change was 34%.");
  ASSERT_EQ(result.total(), 8u);
  for (const auto& f : result.figures) EXPECT_TRUE(f.verified) << f.text_as_written;
  EXPECT_EQ(result.figures[2].matches.front().label, "InsightAgent TTFT");      // s -> ms
  EXPECT_EQ(result.figures[7].matches.front().source, "compare.json $.delta");  // % <- fraction
}

// A change about no entity does not verify a sentence that states a direction:
// "34% faster" says who is faster than whom, the fact does not.
TEST_F(AgentsVerificationTest, AnEntitylessChangeDoesNotVerifyADirection) {
  const auto f = check("The new run was 34% faster.").figures.at(0);
  EXPECT_EQ(f.status, FigureStatus::kUnverified);
  EXPECT_NE(f.reason.find("about no entity"), std::string::npos) << f.reason;
}

TEST_F(AgentsVerificationTest, PlantedWrongFiguresAreCaught) {
  const auto result = check(
      "Latency was 15.5 s. Accuracy reached 92.3%. Throughput 108.47 tok/s. TTFT 0.55 ms. "
      "We processed 101 files.");
  const auto unverified = result.unverified();
  ASSERT_EQ(unverified.size(), 4u);
  EXPECT_EQ(unverified[0].text_as_written, "15.5 s");
  EXPECT_EQ(unverified[0].sentence, "Latency was 15.5 s.");
  EXPECT_EQ(unverified[1].text_as_written, "92.3%");
  EXPECT_EQ(unverified[2].text_as_written, "108.47 tok/s");  // off in the last written digit
  EXPECT_EQ(unverified[3].text_as_written, "0.55 ms");       // 0.55 s would pass, not ms
  EXPECT_EQ(result.verified_count(), 1u);
}

TEST_F(AgentsVerificationTest, UnitsMustAgreeWhenBothAreKnown) {
  // 14.24 is a throughput; written as milliseconds it is not that figure.
  EXPECT_FALSE(check("TTFT 14.24 ms").figures.at(0).verified);
  // A bare number may stand for any figure of that value.
  EXPECT_TRUE(check("| Throughput | 108.37 |").figures.at(0).verified);
}

TEST(AgentsVectorFigureSource, FindsWithinRelativeTolerance) {
  VectorFigureSource source{{{1.0, "", "a", "x"}, {2.0, "", "b", "x"}, {0.0, "", "zero", "x"}}};
  EXPECT_EQ(source.find(1.05, 0.1).size(), 1u);
  EXPECT_TRUE(source.find(1.5, 0.1).empty());
  ASSERT_EQ(source.find(0.0, 0.5).size(), 1u);
  EXPECT_EQ(source.find(0.0, 0.5)[0].label, "zero");
}

TEST(AgentsFiguresInText, TurnsASummaryIntoKnownFigures) {
  const auto figures = figures_in_text("Total files analysed: 101\nCSV Files (28)", "data summary");
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_DOUBLE_EQ(figures[1].value, 28);
  EXPECT_EQ(figures[1].source, "data summary");
}

}  // namespace
}  // namespace chimera::agents
