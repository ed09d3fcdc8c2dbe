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
  EXPECT_EQ(figures[0].file, "a.json");
  EXPECT_EQ(figures[1].file, "b.csv");
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

// The shared corpus's short summaries: one figure per metric but for one (two
// rows of one table), and entities named by other lines.
constexpr const char* kFewPeers =
    "Data summary:\n"
    "- 0 of 5 prompts completed for model llama3.1:8b-instruct-q4_0 in a.json @$.models[0]\n"
    "- Best Tokens/s: 102.31 tokens/s for config g999_c4096_t0.4 (num_gpu=999) (10 rows in r.md)\n"
    "- Worst ttft_s: 6.538 s for config g60_c4096_t0.2 (num_gpu=60) (36 rows in p.csv) @row 25\n"
    "- Best mean_tokens_s: 187.18 tokens/s for config g60_c1024_t0.4 (36 rows in s.csv)\n"
    "- Worst ttft_s: 2.279 s for config g60_c2048_t0.2 (num_gpu=60) (36 rows in p.csv) @row 22\n"
    "- Best ttft_s: 0.139 s for config g80_c1024_t0.4 (num_gpu=80) (12 rows in q.csv) @row 3\n";

TEST(SimPlantedFigures, NamesTheModelsAndConfigurationsOfThePrompt) {
  const auto names = summary_entities(kFewPeers);
  const std::vector<std::string> expected = {"llama3.1:8b-instruct-q4_0",
                                             "g999_c4096_t0.4",
                                             "g60_c4096_t0.2",
                                             "g60_c1024_t0.4",
                                             "g60_c2048_t0.2",
                                             "g80_c1024_t0.4"};
  EXPECT_EQ(names, expected);
  EXPECT_TRUE(summary_entities("nothing named").empty());
}

TEST(SimPlantedFigures, StatesTheFigureThatHasAPeerSoEveryClassIsPlanted) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto report = generate_report(seed, std::nullopt, kFewPeers);
    std::map<std::string, int> classes;
    for (const auto& p : report.planted) {
      ++classes[p.expected];
      // The stated figure has the only metric with a peer in its table (the
      // ttft_s of q.csv has none); the invented one is a queue wait.
      EXPECT_EQ(p.metric, p.expected == "unverified" ? "queue wait" : "ttft_s") << "seed " << seed;
      EXPECT_NE(report.joined().find(p.sentence), std::string::npos) << p.sentence;
    }
    EXPECT_EQ(classes["verified"], 1) << "seed " << seed;
    EXPECT_EQ(classes["misattributed"], 1) << "seed " << seed;
    EXPECT_EQ(classes["derived"], 1) << "seed " << seed;  // 6.538 vs 2.279: 187%, or 65% lower
    EXPECT_EQ(classes["unverified"], 1) << "seed " << seed;
  }
}

TEST(SimPlantedFigures, WithoutAPeerAnotherNamedEntityTakesTheMisattribution) {
  const std::string prompt =
      "- Best Tokens/s: 102.31 tokens/s for config g999_c4096_t0.4 (10 rows in r.md)\n"
      "- 0 of 5 prompts completed for model llama3.1:8b in a.json\n";
  const auto report = generate_report(3, std::nullopt, prompt);
  std::map<std::string, std::string> entity_of;
  for (const auto& p : report.planted) entity_of[p.expected] = p.entity;
  EXPECT_EQ(entity_of["verified"], "g999_c4096_t0.4");
  EXPECT_EQ(entity_of["misattributed"], "llama3.1:8b");
  EXPECT_EQ(entity_of.count("derived"), 0u);  // one figure of that metric: nothing to derive
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
