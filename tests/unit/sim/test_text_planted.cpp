#include <gtest/gtest.h>

#include <map>

#include "chimera/sim/text.hpp"

namespace chimera::sim {
namespace {

constexpr const char* kSummary =
    "Data summary:\n"
    "- Best mean_tokens_s: 102.50 tokens/s for model gemma3:latest (3 rows in a.json)\n"
    "- Worst mean_tokens_s: 78.20 tokens/s for model llama3.1:8b (3 rows in a.json)\n"
    "- Best ttft_s: 0.127 s for config g60_c2048 (num_gpu=60) (6 rows in b.csv)\n"
    "- Best eval_count: 929 for row 4 (6 rows in b.csv)\n";

TEST(SimPlantedFigures, ReadsBestAndWorstLinesOfTheSummary) {
  const auto figures = summary_figures(kSummary);
  ASSERT_EQ(figures.size(), 3u);  // "row 4" names no entity
  EXPECT_EQ(figures[0].metric, "mean_tokens_s");
  EXPECT_EQ(figures[0].value, "102.50");
  EXPECT_EQ(figures[0].unit, "tokens/s");
  EXPECT_EQ(figures[0].entity, "gemma3:latest");
  EXPECT_EQ(figures[1].entity, "g60_c2048");
  EXPECT_EQ(figures[2].entity, "llama3.1:8b");
  EXPECT_TRUE(summary_figures("no figures here").empty());
}

TEST(SimPlantedFigures, EveryClassIsPlantedAndStandsInTheText) {
  std::map<std::string, int> classes;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto report = generate_report(seed, std::nullopt, kSummary);
    const auto text = report.joined();
    ASSERT_FALSE(report.planted.empty());
    for (const auto& p : report.planted) {
      ++classes[p.expected];
      EXPECT_NE(text.find(p.written), std::string::npos) << p.written;
    }
    // Deterministic: the same seed plants the same figures.
    const auto again = generate_report(seed, std::nullopt, kSummary);
    ASSERT_EQ(again.planted.size(), report.planted.size());
    EXPECT_EQ(again.joined(), text);
  }
  EXPECT_GT(classes["verified"], 0);
  EXPECT_GT(classes["misattributed"], 0);
  EXPECT_GT(classes["derived"], 0);
  EXPECT_GT(classes["unverified"], 0);
}

TEST(SimPlantedFigures, OnlyWholeSentencesThatSurviveTheLimitAreRecorded) {
  const auto cut = generate_report(7, 12, kSummary);
  const auto text = cut.joined();
  for (const auto& p : cut.planted) EXPECT_NE(text.find(p.written), std::string::npos);
  EXPECT_LT(cut.planted.size(), generate_report(7, std::nullopt, kSummary).planted.size());
  EXPECT_TRUE(generate_report(7, std::nullopt, "plain prompt 12.5").planted.empty());
}

}  // namespace
}  // namespace chimera::sim
