#include <gtest/gtest.h>

#include "chimera/ingest/markdown_doc.hpp"

namespace chimera::ingest {
namespace {

Provenance file_at(const char* root, const char* file) {
  Provenance at;
  at.root = root;
  at.file = file;
  return at;
}

TEST(MarkdownDoc, HeadingsAndGfmTables) {
  const std::string text =
      "# Report\n\nIntro.\n\n## Sweep results\n\n"
      "| config | num_gpu | Tokens/s | TTFT (s) |\n"
      "|---|---:|---:|---:|\n"
      "| g60 | 60 | **102.5** | 0.12 |\n"
      "| g80 | 80 | 101.0 | 0.10 |\n";
  const MarkdownDocument doc = analyse_markdown(text, file_at("/r", "r.md"), nullptr, 0);
  ASSERT_EQ(doc.headings.size(), 2u);
  EXPECT_EQ(doc.headings[1].text, "Sweep results");
  EXPECT_EQ(doc.headings[1].level, 2);
  EXPECT_EQ(doc.headings[1].line, 5u);
  ASSERT_EQ(doc.tables.size(), 1u);
  const TableAnalysis& t = doc.tables[0];
  EXPECT_EQ(t.title, "Sweep results");
  EXPECT_EQ(t.source.line, 7u);
  EXPECT_EQ(t.rows, 2u);
  ASSERT_TRUE(t.is_sweep);
  EXPECT_DOUBLE_EQ(t.extremes[0].best.value, 102.5);  // emphasis stripped
  EXPECT_EQ(t.extremes[0].best.line, 9u);
  EXPECT_DOUBLE_EQ(t.extremes[1].best.value, 0.10);
}

TEST(MarkdownDoc, NoTablesNoCrashOnOddInput) {
  const MarkdownDocument doc =
      analyse_markdown("|a|\n|-|\n|\x01|\n####### not a heading\n", Provenance{}, nullptr, 0);
  EXPECT_TRUE(doc.headings.empty());
  EXPECT_EQ(doc.tables.size(), 1u);
}

}  // namespace
}  // namespace chimera::ingest
