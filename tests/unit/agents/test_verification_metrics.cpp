// A figure whose sentence (or table row or column header) names a metric is
// verified only by a fact of that metric. A value held only by another metric's
// column, by a column whose name says nothing, or by a rank or index, is a
// coincidence: unverified, with the fact that holds it in the reason.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chimera/agents/subjects.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/facts.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

class AgentsVerificationMetrics : public ::testing::Test {
 protected:
  // The three coincidences of a real run: a Rank cell of 4, a GPU memory
  // utilization of 97%, an occupancy of 24%; and facts that do verify.
  VectorFigureSource data{{
      {4, "", "Rank", "tr109.md row 4, column Rank", "Rank", {"gpu=80, ctx=1024"}},
      {97, "%", "utilization_memory", "gpu.json $.gpu, column utilization_memory"},
      {24,
       "%",
       "launch__occupancy_limit_blocks",
       "ncu.csv row 2, column occupancy",
       "",
       {"CachePreferNone"}},
      {36.8, "%", "cpu_percent", "system.json row 1, column cpu_percent"},
      {553, "ms", "ttft_ms", "sweep.csv row 2, column ttft_ms", "", {"gemma3"}},
      {12, "", "score", "eval.csv row 1, column score", "", {"llama3.1"}},
  }};
  VerifiedFigure first(std::string_view text) const {
    const auto result = verify(text, {&data});
    EXPECT_FALSE(result.figures.empty()) << text;
    return result.figures.empty() ? VerifiedFigure{} : result.figures.front();
  }
};

TEST_F(AgentsVerificationMetrics, ARankNeverVerifiesAMeasuredQuantity) {
  const auto ttft = first("Concurrent execution increases time to first token to 4 ms.");
  EXPECT_EQ(ttft.status, FigureStatus::kUnverified);
  EXPECT_TRUE(ttft.matches.empty());
  EXPECT_NE(ttft.reason.find("Rank"), std::string::npos) << ttft.reason;
  // Not even when only the unit says what the figure is.
  EXPECT_EQ(first("Concurrent execution finished in 4 ms.").status, FigureStatus::kUnverified);
  EXPECT_EQ(first("Its load time was 4.0 s.").status, FigureStatus::kUnverified);
  // Nor a duration of unknown kind when the sentence names a kind and no entity.
  const VectorFigureSource bench{{
      {4, "ms", "min_time_ms", "bench.json $.backends.onnx.min_time_ms", "", {"onnx"}},
  }};
  EXPECT_EQ(verify("The time to first token fell to 4 ms.", {&bench}).figures[0].status,
            FigureStatus::kUnverified);
  EXPECT_EQ(verify("onnx took 4 ms at its fastest.", {&bench}).figures[0].status,
            FigureStatus::kVerified);
  EXPECT_EQ(verify("The time to first token of onnx was 4 ms.", {&bench}).figures[0].status,
            FigureStatus::kVerified);
  EXPECT_EQ(metric_of_name("Rank").family, "ordinal");
  EXPECT_EQ(metric_of_name("run_index").family, "ordinal");
  EXPECT_EQ(metric_of_name("ttft_rank").family, "ordinal");
  EXPECT_EQ(metric_of_name("gpu_id").family, "ordinal");
  EXPECT_EQ(metric_of_name("ttft_ms").name(), "duration/ttft");
  EXPECT_EQ(metric_of_name("utilization_memory").name(), "percent/utilization");
}

TEST_F(AgentsVerificationMetrics, APercentOfAnotherMetricIsNotAUtilization) {
  const auto decode = first("The optimized profile degrades decode rate by 97%.");
  EXPECT_EQ(decode.status, FigureStatus::kUnverified);
  EXPECT_EQ(decode.metric, "throughput");
  EXPECT_NE(decode.reason.find("utilization_memory"), std::string::npos) << decode.reason;
  // The same value where the words name the utilization.
  EXPECT_EQ(first("GPU memory utilization reached 97%.").status, FigureStatus::kVerified);
  EXPECT_EQ(first("The utilization of memory stood at 97%.").status, FigureStatus::kVerified);
}

TEST_F(AgentsVerificationMetrics, ATableRowNamesTheMetricOfItsFigure) {
  const auto latency =
      first("| Metric | Value | Unit |\n|---|---|---|\n| end-to-end latency | 24 | % |\n");
  EXPECT_EQ(latency.status, FigureStatus::kUnverified);
  EXPECT_EQ(latency.metric, "duration/latency");
  const auto occupancy = first("| Metric | Value |\n|---|---|\n| occupancy | 24% |\n");
  EXPECT_EQ(occupancy.status, FigureStatus::kVerified);
  // A header that is an entity's name names no metric with the words inside it.
  const VectorFigureSource sweep{{
      {0.4, "", "p50", "sweep.csv row 1, column p50", "", {"num_ctx=1024 temperature=0.4"}},
  }};
  const auto cell =
      verify("| metric | num_ctx=1024 temperature=0.4 |\n|---|---|\n| p50 | 0.4 |\n", {&sweep});
  ASSERT_FALSE(cell.figures.empty());
  EXPECT_EQ(cell.figures.back().status, FigureStatus::kVerified) << cell.figures.back().metric;
}

TEST_F(AgentsVerificationMetrics, AColumnThatNamesNoMetricVerifiesOnlyFiguresThatNameNone) {
  EXPECT_EQ(first("llama3.1 had a time to first token of 12.").status, FigureStatus::kUnverified);
  EXPECT_EQ(first("llama3.1 had a score of 12.").status, FigureStatus::kVerified);
  EXPECT_EQ(first("gemma3 reached a time to first token of 553 ms.").status,
            FigureStatus::kVerified);
}

TEST_F(AgentsVerificationMetrics, OnlyAChangeIsEvidenceForAChange) {
  // 36.8 is a CPU percent; "37% higher" states a change.
  EXPECT_EQ(first("gemma3 is 37% higher than before.").status, FigureStatus::kUnverified);
  EXPECT_EQ(first("CPU usage was 37%.").status, FigureStatus::kVerified);
  // cpu_percent is a percent by its unit alone: no evidence for a named kind.
  EXPECT_EQ(first("The GPU fan speed was 36.8%.").status, FigureStatus::kUnverified);
}

// The metric family a known figure's name states, else its unit's; "" when
// neither says. Kept apart from the verifier's own rules on purpose.
std::string family_of(const KnownFigure& f) {
  const Metric by_name = metric_of_name(f.metric.empty() ? f.label : f.metric);
  if (by_name.known()) return by_name.family;
  if (f.unit == "%" || f.unit == "fraction") return "percent";
  return metric_of_unit(f.unit).family;
}

// Sentences built from the project's examples: each names a metric and
// states a value that only figures of other metrics (or of columns that name
// none) hold. None of them is verified; every one of them would be, by value
// and unit alone.
TEST(AgentsVerificationMetricsOnExamples, AValueOfAnotherMetricIsUnverified) {
  const auto analysis = ingest::analyse({testing::source_dir() + "/examples/artifacts"});
  const orchestrate::IngestFigureSource source(analysis.figures);
  struct Spoken {
    const char* words;
    const char* family;
    const char* unit;  // how the figure is written
  };
  const Spoken spoken[] = {
      {"time to first token", "duration", "ms"}, {"end-to-end latency", "duration", "ms"},
      {"decode rate", "throughput", "tok/s"},    {"GPU utilization", "percent", "%"},
      {"decode rate", "throughput", "%"},        {"end-to-end latency", "duration", "%"}};
  std::size_t planted = 0;
  std::size_t verified = 0;
  for (const auto& name : source.entity_names()) {
    for (const auto& f : source.about(name, 1 << 20)) {
      if (std::abs(f.value) < 10 || std::abs(f.value) > 1e6) continue;
      const std::string family = family_of(f);
      const bool percent = f.unit == "%";
      const bool untyped = f.unit.empty();
      if (!percent && !untyped) continue;  // a unit of its own is refused by unit alone
      for (const auto& s : spoken) {
        if (family == s.family || (percent != (std::string(s.unit) == "%"))) continue;
        const std::string value = ingest::format_number(f.value);
        const auto point = value.find('.');
        const int decimals =
            point == std::string::npos ? 0 : static_cast<int>(value.size() - point - 1);
        // No figure of the spoken metric may hold the value as written (up to its
        // rounding), in any unit, or verifying it would be right.
        const double rounding = 0.5 * std::pow(10.0, -decimals) / std::abs(f.value);
        bool held = false;
        for (const auto& other : source.find(f.value, rounding * 1.01 + 1e-9)) {
          held |= family_of(other) == s.family;
        }
        if (held) continue;
        const std::string written =
            fmt::format("{}{}{}", value, std::string_view(s.unit) == "%" ? "" : " ", s.unit);
        const std::string text = fmt::format("The {} was {}.", s.words, written);
        const auto result = verify(text, {&source});
        ASSERT_FALSE(result.figures.empty()) << text;
        const auto& got = result.figures.back();
        ++planted;
        if (got.status == FigureStatus::kVerified) {
          ++verified;
          ADD_FAILURE() << text << " verified by " << got.matches.front().label << " ("
                        << got.matches.front().source << ")";
        }
        EXPECT_NE(got.status, FigureStatus::kMisattributed) << text;
      }
      if (planted >= 400) break;
    }
    if (planted >= 400) break;
  }
  std::printf("examples/artifacts: %zu sentences of another metric's value, %zu verified\n",
              planted, verified);
  EXPECT_GE(planted, 50u);
}

}  // namespace
}  // namespace chimera::agents

namespace chimera::agents {
namespace {

// A value that dozens of rows share (a num_ctx of 4096 in every row of a
// sweep) still verifies for the row its sentence names: the figure source
// returns every figure of the value, not the first few in index order.
TEST(AgentsVerificationMetricsCommonValues, ACommonValueVerifiesForItsOwnRow) {
  namespace fs = std::filesystem;
  const testing::TempDir dir;
  std::string csv = "model,num_ctx,ttft_ms\n";
  for (int row = 0; row < 120; ++row) csv += fmt::format("m{:03},4096,{}\n", row, 300 + row);
  std::ofstream(fs::path(dir.path()) / "sweep.csv") << csv;
  const auto analysis = ingest::analyse({dir.path()});
  const orchestrate::IngestFigureSource source(analysis.figures);
  ASSERT_GE(source.find(4096, 1e-9).size(), 120u);
  for (const char* model : {"m000", "m060", "m119"}) {
    const auto result = verify(fmt::format("For {}, the num_ctx was 4096.", model), {&source});
    ASSERT_EQ(result.total(), 1u);
    const auto& f = result.figures.front();
    EXPECT_EQ(f.status, FigureStatus::kVerified) << model << ": " << to_string(f.status);
    ASSERT_FALSE(f.matches.empty());
    EXPECT_EQ(f.matches.front().entities, std::vector<std::string>{model});
  }
  // Capped at 32 figures a value, the last rows lose their own figure.
  const orchestrate::IngestFigureSource capped(analysis.figures, 32);
  EXPECT_NE(verify("For m119, the num_ctx was 4096.", {&capped}).figures[0].status,
            FigureStatus::kVerified);
  // The time to first token of m119 is 419 ms; no num_ctx verifies it.
  EXPECT_EQ(verify("For m119, the time to first token was 4096 ms.", {&source}).figures[0].status,
            FigureStatus::kUnverified);
}

}  // namespace
}  // namespace chimera::agents
