#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/agents/extraction.hpp"
#include "chimera/agents/markdown_outline.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

std::vector<std::string> texts(const ExtractedList& list) {
  std::vector<std::string> out;
  for (const auto& item : list.items) out.push_back(item.text);
  return out;
}

TEST(AgentsExtraction, HeadingsAreMatchedByWholeWords) {
  EXPECT_EQ(heading_meaning("Monkey Business"), HeadingMeaning::kOther);
  EXPECT_EQ(heading_meaning("Keystone Findingsless"), HeadingMeaning::kOther);
  EXPECT_EQ(heading_meaning("**4. Key Findings**"), HeadingMeaning::kFindings);
  EXPECT_EQ(heading_meaning("Key Performance Findings"), HeadingMeaning::kFindings);
  EXPECT_EQ(heading_meaning("6. Recommendations (Leveraging Chimera Optimization Insights)"),
            HeadingMeaning::kRecommendations);  // the parenthesis only qualifies
  EXPECT_EQ(heading_meaning("Findings and Recommendations"), HeadingMeaning::kFindings);
  EXPECT_EQ(heading_meaning("Recommendations Based on Findings"), HeadingMeaning::kRecommendations);
  EXPECT_EQ(heading_meaning("Optimisation Recommendations:"), HeadingMeaning::kRecommendations);
  EXPECT_EQ(heading_meaning("Next Steps"), HeadingMeaning::kRecommendations);
  EXPECT_EQ(heading_meaning("1. Executive Summary"), HeadingMeaning::kExecutiveSummary);
  EXPECT_EQ(heading_meaning("Data Ingestion Summary"), HeadingMeaning::kOther);
}

TEST(AgentsExtraction, MonkeyIsNotKey) {
  const auto result = extract(
      "## Monkey observations are not a heading here\n\nText.\n\n"
      "## Notes\n\n- the monkey key is not a finding\n- keyboard results\n");
  // The first heading has the whole word "observations": its text is a finding,
  // the bullets under "Notes" are not.
  EXPECT_EQ(result.findings.rule, ExtractionRule::kSectionText);
  EXPECT_EQ(texts(result.findings), std::vector<std::string>{"Text."});
}

TEST(AgentsExtraction, BoldPseudoHeadingsAndNumberedItems) {
  const auto result = extract(R"(**1. Executive Summary**

Summary text.

**4. Key Findings**

*   **Batch Size is Critical:** batch size matters.
*   **Latency Variance:** it varies.

**5. Recommendations**

1.  **Detailed CSV Data Access:** provide the data.
2.  **Systematic Parameter Tuning:** Implement techniques such as:
    *   **Grid Search:** explore.
    *   **Bayesian Optimization:** explore better.
3.  **Profiling:** profile it.
)");
  EXPECT_EQ(result.findings.rule, ExtractionRule::kSections);
  EXPECT_EQ(texts(result.findings),
            (std::vector<std::string>{"**Batch Size is Critical:** batch size matters.",
                                      "**Latency Variance:** it varies."}));
  EXPECT_EQ(result.findings.headings, std::vector<std::string>{"Key Findings"});
  ASSERT_EQ(result.recommendations.items.size(), 3u);
  EXPECT_EQ(result.recommendations.items[1].details.size(), 2u);
  EXPECT_EQ(result.recommendations.items[1].details[0], "**Grid Search:** explore.");
  EXPECT_EQ(result.recommendations.items[2].line, 16u);
}

TEST(AgentsExtraction, BareNumberedTitlesAreHeadingsNotItems) {
  const auto result = extract(R"(4. Key Findings

*   **High Data Volume:** many files.
*   **Redundant Benchmarks:** repeats.

5. Recommendations

1.  **Define KPIs:** Establish clear KPIs.
2.  **Streamline Runs:** Consolidate runs.
)");
  EXPECT_EQ(result.findings.items.size(), 2u);
  EXPECT_EQ(texts(result.recommendations),
            (std::vector<std::string>{"**Define KPIs:** Establish clear KPIs.",
                                      "**Streamline Runs:** Consolidate runs."}));
}

TEST(AgentsExtraction, LooseNumberedListIsNotTakenForTitles) {
  const auto outline = parse_outline("## Steps\n\n1. Collect data\n\n2. Analyse it\n\n3. Report\n");
  ASSERT_EQ(outline.sections.size(), 2u);
  EXPECT_EQ(outline.sections[1].items.size(), 3u);
}

TEST(AgentsExtraction, NoLineIsCountedTwice) {
  const auto result = extract(R"(## Key Findings
- Define KPIs before benchmarking.
- Define KPIs before benchmarking.
- **Define KPIs** before benchmarking

## Recommendations
- Define KPIs before benchmarking.
- Automate the runs.
)");
  EXPECT_EQ(texts(result.findings), std::vector<std::string>{"Define KPIs before benchmarking."});
  EXPECT_EQ(texts(result.recommendations), std::vector<std::string>{"Automate the runs."});
}

TEST(AgentsExtraction, SubHeadingsInheritTheirSectionsMeaning) {
  const auto result = extract(R"(# Report
## Key Findings
### Throughput
- decode is 41 tok/s
### Latency
- TTFT is 575 ms
## Appendix
- raw data
)");
  EXPECT_EQ(texts(result.findings),
            (std::vector<std::string>{"decode is 41 tok/s", "TTFT is 575 ms"}));
  EXPECT_EQ(result.recommendations.rule, ExtractionRule::kNone);
}

TEST(AgentsExtraction, FallbacksReportTheirRule) {
  auto summary = extract("## Executive Summary\n\n- one\n- two\n\n## Details\n\n- three\n");
  EXPECT_EQ(summary.findings.rule, ExtractionRule::kExecutiveSummary);
  EXPECT_EQ(texts(summary.findings), (std::vector<std::string>{"one", "two"}));

  auto bullets = extract("Intro text.\n\n- first\n  - nested detail\n- second\n");
  EXPECT_EQ(bullets.findings.rule, ExtractionRule::kFirstBullets);
  ASSERT_EQ(bullets.findings.items.size(), 2u);
  EXPECT_EQ(bullets.findings.items[0].details, std::vector<std::string>{"nested detail"});

  auto sentences = extract("The model ran. It was 15.5 s slow. Data was missing. More text.");
  EXPECT_EQ(sentences.findings.rule, ExtractionRule::kFirstSentences);
  EXPECT_EQ(
      texts(sentences.findings),
      (std::vector<std::string>{"The model ran.", "It was 15.5 s slow.", "Data was missing."}));
  EXPECT_EQ(sentences.recommendations.rule, ExtractionRule::kNone);

  auto nothing = extract("");
  EXPECT_EQ(nothing.findings.rule, ExtractionRule::kNone);
}

TEST(AgentsExtraction, FencedCodeAndTablesAreNotItems) {
  const auto result =
      extract("## Key Findings\n\n```\n- not an item\n```\n| - | x |\n|---|---|\n- real item\n");
  EXPECT_EQ(texts(result.findings), std::vector<std::string>{"real item"});
}

TEST(AgentsExtraction, TableRowsOfAFindingsSectionAreItsItems) {
  const auto result = extract(
      "**5. Key Findings**\n\n| Metric | Expected | Observed |\n|---|---|---|\n"
      "| Throughput | 102.31 tok/s | 0 tok/s |\n| TTFT | 0.128s | N/A |\n\nAfter.\n");
  EXPECT_EQ(result.findings.rule, ExtractionRule::kSections);
  EXPECT_EQ(texts(result.findings),
            (std::vector<std::string>{"Throughput — Expected: 102.31 tok/s; Observed: 0 tok/s",
                                      "TTFT — Expected: 0.128s; Observed: N/A"}));
}

TEST(AgentsOutline, SetextHeadingsAndContinuationLines) {
  const auto outline = parse_outline(
      "Findings\n========\n\n- a long item\n  that goes on\n- b\n\nRecommendations\n---\n\n- c\n");
  ASSERT_EQ(outline.sections.size(), 3u);
  EXPECT_EQ(outline.sections[1].heading, "Findings");
  EXPECT_EQ(outline.sections[1].items[0].text, "a long item that goes on");
  EXPECT_EQ(outline.sections[2].heading, "Recommendations");
  EXPECT_EQ(outline.sections[2].parent, 1);
}

TEST(AgentsOutline, BoldLinesInsideParagraphsAndItemsAreHeadings) {
  // A hard break after the bold line, a bold line between two lines of text,
  // and a bold line CommonMark would continue the last list item with.
  const auto outline = parse_outline(
      "**Key Findings**  \nDecode is fast.\n**Recommendations**:\nBatch more.\n\n"
      "1. first step\n2. second step\n**Appendix**\n");
  ASSERT_EQ(outline.sections.size(), 4u);
  EXPECT_EQ(outline.sections[1].heading, "Key Findings");
  EXPECT_EQ(outline.sections[1].paragraphs, std::vector<std::string>{"Decode is fast."});
  EXPECT_EQ(outline.sections[2].heading, "Recommendations");
  EXPECT_EQ(outline.sections[2].line, 3u);
  ASSERT_EQ(outline.sections[2].items.size(), 2u);
  EXPECT_EQ(outline.sections[2].items[1].text, "second step");
  EXPECT_EQ(outline.sections[3].heading, "Appendix");
  EXPECT_EQ(outline.sections[3].line, 8u);
}

TEST(AgentsOutline, InlineMarkdownIsKeptAndBlockQuotesAreRead) {
  const auto outline = parse_outline(
      "## Key Findings\n\n> - `num_ctx` *matters*: see [the table](#t)\n\n"
      "Intro line\n| Metric | Value |\n|---|---|\n| TTFT | 0.12 s |\n");
  ASSERT_EQ(outline.sections.size(), 2u);
  const auto& section = outline.sections[1];
  ASSERT_EQ(section.items.size(), 1u);
  EXPECT_EQ(section.items[0].text, "`num_ctx` *matters*: see [the table](#t)");
  EXPECT_EQ(section.items[0].line, 3u);
  EXPECT_EQ(section.paragraphs, std::vector<std::string>{"Intro line"});
  ASSERT_EQ(section.table_rows.size(), 1u);
  EXPECT_EQ(section.table_rows[0].text, "TTFT — Value: 0.12 s");
  EXPECT_EQ(section.table_rows[0].line, 8u);
}

TEST(AgentsOutline, DeeplyNestedInputIsBounded) {
  std::string deep;
  for (int i = 0; i < 2000; ++i)
    deep += std::string(static_cast<std::size_t>(i % 40), ' ') + "- x\n";
  deep += std::string(5000, '>') + " quoted\n" + std::string(3000, '*') + "bold" +
          std::string(3000, '*') + "\n";
  const auto outline = parse_outline(deep);
  ASSERT_FALSE(outline.sections.empty());
  EXPECT_FALSE(outline.sections[0].items.empty());
}

// The LLM part of a seed report: between the header's rule and "## Workflow Summary".
std::string llm_part(const std::string& seed) {
  auto begin = seed.find("\n---\n");
  auto end = seed.find("## Workflow Summary");
  if (begin == std::string::npos) return seed;
  return seed.substr(begin + 5, end == std::string::npos ? std::string::npos : end - begin - 5);
}

std::optional<std::string> read_seed(const std::string& prefix) {
  const auto shared = chimera::testing::shared_dir();
  if (!shared) return std::nullopt;
  const std::filesystem::path dir = std::filesystem::path(*shared) / "seeds";
  if (!std::filesystem::exists(dir)) return std::nullopt;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      std::ifstream in(entry.path());
      std::ostringstream text;
      text << in.rdbuf();
      return text.str();
    }
  }
  return std::nullopt;
}

TEST(AgentsExtractionOnSeeds, AgentAFindsItsOwnSections) {
  auto seed = read_seed("000_");
  if (!seed) GTEST_SKIP() << "../shared/seeds is absent";
  const auto result = extract(llm_part(*seed));
  ASSERT_EQ(result.findings.rule, ExtractionRule::kSections);
  ASSERT_EQ(result.findings.items.size(), 3u);
  EXPECT_TRUE(result.findings.items[0].text.starts_with("**gemma3 - 270m Optimization Focus:**"));
  ASSERT_EQ(result.recommendations.items.size(), 5u);
  EXPECT_TRUE(result.recommendations.items[0].text.starts_with("**Detailed CSV Data Access:**"));
  EXPECT_EQ(result.recommendations.items[1].details.size(), 2u);  // Grid Search, Bayesian
}

TEST(AgentsExtractionOnSeeds, AgentBWithBareNumberedTitles) {
  auto seed = read_seed("001_");
  if (!seed) GTEST_SKIP() << "../shared/seeds is absent";
  const auto result = extract(llm_part(*seed));
  ASSERT_EQ(result.findings.items.size(), 4u);
  EXPECT_TRUE(result.findings.items[0].text.starts_with("**High Data Volume:**"));
  ASSERT_EQ(result.recommendations.items.size(), 5u);
  EXPECT_TRUE(result.recommendations.items[4].text.starts_with("**Analyze Token Per Second:**"));
}

TEST(AgentsExtractionOnSeeds, EverySeedYieldsFindingsAndRecommendations) {
  for (const char* prefix : {"000_", "001_", "002_", "003_", "004_"}) {
    auto seed = read_seed(prefix);
    if (!seed) GTEST_SKIP() << "../shared/seeds is absent";
    const auto result = extract(llm_part(*seed));
    EXPECT_EQ(result.findings.rule, ExtractionRule::kSections) << prefix;
    EXPECT_GE(result.findings.items.size(), 3u) << prefix;
    EXPECT_GE(result.recommendations.items.size(), 3u) << prefix;
    for (const auto& f : result.findings.items) {
      for (const auto& r : result.recommendations.items) EXPECT_NE(f.text, r.text) << prefix;
    }
  }
}

}  // namespace
}  // namespace chimera::agents
