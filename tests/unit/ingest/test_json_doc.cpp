#include <gtest/gtest.h>

#include "chimera/ingest/figure_index.hpp"
#include "chimera/ingest/json_doc.hpp"

namespace chimera::ingest {
namespace {

Provenance file_at(const char* root, const char* file) {
  Provenance at;
  at.root = root;
  at.file = file;
  return at;
}

const Provenance kFile = file_at("/r", "x.json");

TEST(JsonDoc, NanAndInfinityAreToleratedAndLocated) {
  const std::string text =
      "{\"a\": 1.5,\n \"b\": {\"mean_ttft_ms\": NaN},\n \"c\": [1, -Infinity]}";
  const JsonDocument doc = analyse_json(text, kFile, nullptr, 0);
  ASSERT_TRUE(doc.parsed) << doc.error.reason;
  ASSERT_EQ(doc.non_finite.size(), 2u);
  EXPECT_EQ(doc.non_finite[0].token, "NaN");
  EXPECT_EQ(doc.non_finite[0].line, 2u);
  EXPECT_EQ(doc.non_finite[0].column, 24u);
  EXPECT_EQ(doc.non_finite[0].json_path, "$.b.mean_ttft_ms");
  EXPECT_EQ(doc.non_finite[1].token, "-Infinity");
  EXPECT_EQ(doc.non_finite[1].json_path, "$.c[1]");
}

TEST(JsonDoc, TruncatedJsonReportsWhereItStops) {
  const std::string text = "{\n  \"models\": [\n    {\"model\": \"m\", \"completed\": 0";
  const JsonDocument doc = analyse_json(text, kFile, nullptr, 0);
  EXPECT_FALSE(doc.parsed);
  EXPECT_EQ(doc.error.line, 3u);
  EXPECT_FALSE(doc.error.reason.empty());
}

TEST(JsonDoc, ArraysOfRecordsBecomeTablesAndZeroCompletionsAreFound) {
  const std::string text = R"({"prompt_count": 5, "models": [
    {"model": "a", "prompt_count": 5, "completed": 0, "options": {"temperature": 0.3},
     "mean_tokens_s": null},
    {"model": "b", "prompt_count": 5, "completed": 5, "options": {"temperature": 0.3},
     "mean_tokens_s": 77.5}]})";
  FigureIndex figures;
  const auto fid = figures.add_file("/r", "x.json");
  const JsonDocument doc = analyse_json(text, kFile, &figures, fid);
  ASSERT_TRUE(doc.parsed);
  ASSERT_EQ(doc.tables.size(), 1u);
  const TableAnalysis& t = doc.tables[0];
  EXPECT_EQ(t.source.json_path, "$.models");
  EXPECT_EQ(t.rows, 2u);
  ASSERT_EQ(t.zero_completed.size(), 1u);
  EXPECT_EQ(t.zero_completed[0].planned, 5);
  EXPECT_EQ(t.zero_completed[0].row.identity[0].second, "a");
  bool found_nested = false;
  for (const auto& c : t.columns) {
    if (c.name == "options.temperature") found_nested = true;
    if (c.name == "mean_tokens_s") {
      EXPECT_EQ(c.missing, 1u);
    }
  }
  EXPECT_TRUE(found_nested);
  figures.seal();
  const auto matches = figures.find(77.5, 0);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].source.json_path, "$.models");
  EXPECT_EQ(matches[0].source.row, 2u);
}

TEST(JsonDoc, MetricLeavesByFlattenedPath) {
  const std::string text = R"({"backends": {"eager": {"benchmark": {"mean_time_ms": 3.5,
    "runs": 10}}}, "weird key": {"p50_latency_ms": 2}})";
  const JsonDocument doc = analyse_json(text, kFile, nullptr, 0);
  ASSERT_TRUE(doc.parsed);
  ASSERT_EQ(doc.metric_leaves.size(), 2u);
  EXPECT_EQ(doc.metric_leaves[0].path, "$.backends.eager.benchmark.mean_time_ms");
  EXPECT_EQ(doc.metric_leaves[0].metric.unit, "ms");
  EXPECT_EQ(doc.metric_leaves[1].path, "$[\"weird key\"].p50_latency_ms");
  EXPECT_EQ(doc.numeric_leaves, 3u);
}

TEST(JsonLines, RecordsStreamIntoOneTableAndBadLinesAreCounted) {
  JsonLinesReader reader(file_at("/r", "x.jsonl"), nullptr, 0);
  const std::string text =
      "{\"model\":\"a\",\"ttft_ms\":10}\n{\"model\":\"b\",\"ttft_ms\":NaN}\nnot json\n"
      "{\"model\":\"c\",\"ttft_ms\":30}";
  for (std::size_t i = 0; i < text.size(); i += 7) reader.feed(std::string_view(text).substr(i, 7));
  const JsonDocument doc = reader.finish();
  EXPECT_EQ(doc.records, 3u);
  EXPECT_EQ(doc.bad_lines, 1u);
  EXPECT_EQ(doc.error.line, 3u);
  ASSERT_EQ(doc.non_finite.size(), 1u);
  EXPECT_EQ(doc.non_finite[0].line, 2u);
  ASSERT_EQ(doc.tables.size(), 1u);
  EXPECT_EQ(doc.tables[0].rows, 3u);
  EXPECT_DOUBLE_EQ(doc.tables[0].columns[1].numeric.mean, 20.0);
}

}  // namespace
}  // namespace chimera::ingest
