#include <gtest/gtest.h>

#include <fstream>

#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/figure_index.hpp"
#include "chimera/ingest/table.hpp"
#include "support/process.hpp"

namespace chimera::ingest {
namespace {

Provenance file_at(const char* root, const char* file) {
  Provenance at;
  at.root = root;
  at.file = file;
  return at;
}

void add(TableAccumulator& table, const std::vector<std::string>& texts, std::size_t line) {
  std::vector<Cell> cells;
  for (const auto& text : texts) cells.push_back(Cell::from_text(text));
  table.add_row(cells, line);
}

TEST(Table, SweepBestAndWorstRespectDirection) {
  FigureIndex figures;
  const auto fid = figures.add_file("/r", "sweep.csv");
  TableAccumulator table({"config_name", "num_gpu", "mean_tokens_s", "mean_ttft_s"},
                         file_at("/r", "sweep.csv"), "csv", &figures, fid);
  add(table, {"a", "40", "100.5", "0.30"}, 2);
  add(table, {"b", "60", "103.25", "0.40"}, 3);
  add(table, {"c", "80", "99.0", "0.10"}, 4);
  const TableAnalysis t = table.finish();
  ASSERT_TRUE(t.is_sweep);
  ASSERT_EQ(t.extremes.size(), 2u);
  const Extreme& tps = t.extremes[0];
  EXPECT_EQ(tps.column, "mean_tokens_s");
  EXPECT_EQ(tps.metric.unit, "tokens/s");
  EXPECT_DOUBLE_EQ(tps.best.value, 103.25);
  EXPECT_EQ(tps.best.row, 2u);
  EXPECT_EQ(tps.best.line, 3u);
  EXPECT_EQ(tps.best.identity[0], (std::pair<std::string, std::string>{"config_name", "b"}));
  EXPECT_DOUBLE_EQ(tps.worst.value, 99.0);
  const Extreme& ttft = t.extremes[1];
  EXPECT_EQ(ttft.metric.unit, "s");
  EXPECT_DOUBLE_EQ(ttft.best.value, 0.10);  // lower is better
  EXPECT_EQ(ttft.best.row, 3u);
  EXPECT_DOUBLE_EQ(ttft.worst.value, 0.40);

  const ColumnAnalysis& column = t.columns[2];
  EXPECT_EQ(column.type, ColumnType::kNumber);
  EXPECT_EQ(column.numeric.count, 3u);
  EXPECT_DOUBLE_EQ(column.numeric.mean, (100.5 + 103.25 + 99.0) / 3);
  EXPECT_DOUBLE_EQ(column.numeric.p50, 100.5);
  EXPECT_EQ(t.columns[1].type, ColumnType::kInteger);

  figures.seal();
  const auto matches = figures.find(103.25, 1e-9);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].source.row, 2u);
  EXPECT_EQ(matches[0].source.column, "mean_tokens_s");
}

TEST(Table, MedianOfEvenCountAndMissingValues) {
  TableAccumulator table({"model", "ttft_ms"}, file_at("/r", "x.csv"), "csv");
  add(table, {"m", "4"}, 2);
  add(table, {"m", "NaN"}, 3);
  add(table, {"m", "1"}, 4);
  add(table, {"m", ""}, 5);
  add(table, {"m", "3"}, 6);
  add(table, {"m", "2"}, 7);
  const TableAnalysis t = table.finish();
  EXPECT_DOUBLE_EQ(t.columns[1].numeric.p50, 2.5);
  EXPECT_EQ(t.columns[1].missing, 1u);
  EXPECT_EQ(t.columns[1].first_missing_row, 2u);
  EXPECT_EQ(t.columns[1].empty, 1u);
  EXPECT_FALSE(t.is_sweep);  // the one configuration column never varies
}

TEST(Table, ErrorRowsAndZeroCompletions) {
  TableAccumulator table({"model", "prompt_count", "completed", "eval_count", "error"},
                         file_at("/r", "runs.csv"), "csv");
  add(table, {"a", "5", "0", "0", "connection refused"}, 2);
  add(table, {"b", "5", "5", "120", ""}, 3);
  add(table, {"c", "5", "3", "30", "timeout"}, 4);
  const TableAnalysis t = table.finish();
  EXPECT_EQ(t.errors.count, 2u);
  EXPECT_EQ(t.errors.without_tokens, 1u);
  EXPECT_EQ(t.errors.first.row, 1u);
  EXPECT_EQ(t.errors.first_message, "connection refused");
  ASSERT_EQ(t.zero_completed.size(), 1u);
  EXPECT_EQ(t.zero_completed[0].planned, 5);
  EXPECT_EQ(t.zero_completed[0].row.identity[0].second, "a");
}

TEST(Table, RaggedRowsAreCounted) {
  TableAccumulator table({"a", "b"}, file_at("/r", "x.csv"), "csv");
  add(table, {"1", "2"}, 2);
  add(table, {"1"}, 3);
  add(table, {"1", "2", "3"}, 4);
  const TableAnalysis t = table.finish();
  EXPECT_EQ(t.ragged_rows, 2u);
  EXPECT_EQ(t.first_ragged_line, 3u);
}

TEST(MetricNames, UnitsAndDirections) {
  EXPECT_EQ(classify_metric("mean_tokens_s").unit, "tokens/s");
  EXPECT_EQ(classify_metric("mean_tokens_s").direction, Direction::kHigherIsBetter);
  EXPECT_EQ(classify_metric("ttft_s").unit, "s");
  EXPECT_EQ(classify_metric("ttft_s").direction, Direction::kLowerIsBetter);
  EXPECT_TRUE(classify_metric("ttft_s").is_key);
  EXPECT_EQ(classify_metric("mean_time_ms").unit, "ms");
  EXPECT_EQ(classify_metric("$.a.b.p95_latency_ms").unit, "ms");
  EXPECT_FALSE(classify_metric("prompt_eval_count").is_metric);
  EXPECT_FALSE(classify_metric("timestamp").is_metric);
  EXPECT_TRUE(is_configuration_name("num_ctx"));
  EXPECT_FALSE(is_configuration_name("response_chars"));
}

}  // namespace
}  // namespace chimera::ingest

namespace chimera::ingest {
namespace {

// Rows that failed (an error message, or zero tokens) are never the best or the
// worst configuration, and an error column holding counts of 0 is not an error.
TEST(IngestTable, FailedRowsDoNotRankAndZeroErrorCountsAreNotErrors) {
  testing::TempDir dir;
  const std::string csv = dir.path() + "/runs.csv";
  std::ofstream(csv) << "config,num_ctx,ttft_s,tokens_s,eval_count,error\n"
                        "a,1024,0.0,0.0,0,connection refused\n"
                        "b,2048,0.15,101.5,200,\n"
                        "c,4096,0.21,99.0,210,\n";
  const std::string counts = dir.path() + "/summary.csv";
  std::ofstream(counts) << "config,num_ctx,tokens_s,error\nx,1024,100,0\ny,2048,90,0\n";
  const auto analysis = analyse({dir.path()});
  bool saw_runs = false;
  for (const auto& t : analysis.tables) {
    if (t.source.file == "runs.csv") {
      saw_runs = true;
      EXPECT_EQ(t.errors.count, 1u);
      for (const auto& e : t.extremes) {
        EXPECT_NE(e.best.row, 1u) << "the failed row ranked best";
        EXPECT_NE(e.worst.row, 1u) << "the failed row ranked worst";
      }
    }
    if (t.source.file == "summary.csv") {
      EXPECT_EQ(t.errors.count, 0u);
    }
  }
  EXPECT_TRUE(saw_runs);
}

}  // namespace
}  // namespace chimera::ingest
