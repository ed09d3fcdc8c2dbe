#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "chimera/ingest/analysis.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "support/process.hpp"

namespace chimera::orchestrate {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

TEST(FigureSourcesUnitFromName, ReadsTheUnitTheNameStates) {
  EXPECT_EQ(unit_from_name("eval_s", 1.64), "s");
  EXPECT_EQ(unit_from_name("mean_tokens_s", 102.31), "tok/s");
  EXPECT_EQ(unit_from_name("ttft_ms", 128), "ms");
  EXPECT_EQ(unit_from_name("Throughput (tok/s)", 40), "tok/s");
  EXPECT_EQ(unit_from_name("gpu_util_pct", 46), "%");
  EXPECT_EQ(unit_from_name("vram_gb", 3.2), "GB");
  EXPECT_EQ(unit_from_name("speedup", 1.5), "x");
  EXPECT_EQ(unit_from_name("eval_rate", 88.1), "tok/s");
  EXPECT_EQ(unit_from_name("eval_count", 300), "tokens");
}

TEST(FigureSourcesUnitFromName, SharesAreFractionsUpToOneAndPercentsAbove) {
  EXPECT_EQ(unit_from_name("error_rate", 0.125), "fraction");
  EXPECT_EQ(unit_from_name("parallel_efficiency", 0.91), "fraction");
  EXPECT_EQ(unit_from_name("gpu_utilization", 46), "%");
}

TEST(FigureSourcesUnitFromName, SettingsAndCountsArePlainCounts) {
  EXPECT_EQ(unit_from_name("num_ctx", 4096), "count");
  EXPECT_EQ(unit_from_name("batch_size", 2), "count");
  EXPECT_EQ(unit_from_name("completed", 5), "count");
  EXPECT_EQ(unit_from_name("prompt_count", 5), "count");
  EXPECT_EQ(unit_from_name("temperature", 0.8), "count");
  EXPECT_EQ(unit_from_name("score", 7.5), "");
  EXPECT_EQ(unit_from_name("", 1), "");
}

TEST(FigureSourcesFigureName, ColumnElseLastJsonKey) {
  ingest::Provenance cell;
  cell.column = "eval_s";
  cell.json_path = "$.rows";
  EXPECT_EQ(figure_name(cell), "eval_s");
  ingest::Provenance leaf;
  leaf.json_path = "$.models[0].ttft_ms";
  EXPECT_EQ(figure_name(leaf), "ttft_ms");
  leaf.json_path = "$.samples[3]";
  EXPECT_EQ(figure_name(leaf), "samples");
  leaf.json_path = "$.grid[1][2]";
  EXPECT_EQ(figure_name(leaf), "grid");
}

// The cases seen in a real report, on files ingested for real: each made-up
// figure once matched a value of another kind.
class FigureSourcesVerification : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path root = dir_.path();
    write(root / "sweep.csv",
          "config_name,num_ctx,eval_s,ttft_ms,mean_tokens_s,error_rate,gpu_util_pct\n"
          "a,4096,1.64,128,102.31,0.125,46\n"
          "b,2048,2.93,311,87.4,0.25,71\n");
    write(root / "run.json",
          R"({"batch_size": 2, "prompt_count": 5, "completed": 3, "total_time": 2.5})");
    analysis_ = ingest::analyse({root});
  }

  agents::VerificationResult check(std::string_view text) const {
    const IngestFigureSource source(analysis_.figures);
    return agents::verify(text, {&source});
  }
  agents::FigureStatus status_of(std::string_view text) const {
    const auto result = check(text);
    EXPECT_EQ(result.total(), 1u) << text;
    return result.figures.empty() ? agents::FigureStatus::kUnverified
                                  : result.figures.front().status;
  }

  testing::TempDir dir_;
  ingest::Analysis analysis_;
};

TEST_F(FigureSourcesVerification, FiguresOfAnotherKindDoNotVerify) {
  EXPECT_EQ(status_of("Accuracy improved by 164%."), agents::FigureStatus::kUnverified);
  EXPECT_EQ(status_of("Throughput rose 4096%."), agents::FigureStatus::kUnverified);
  EXPECT_EQ(status_of("TTFT was 102.31 ms."), agents::FigureStatus::kUnverified);
  EXPECT_EQ(status_of("It took 4096 s."), agents::FigureStatus::kUnverified);
  // A share needs a typed share: total_time 2.5 is not 250%.
  EXPECT_EQ(status_of("Usage reached 250%."), agents::FigureStatus::kUnverified);
}

TEST_F(FigureSourcesVerification, SmallIntegersAreTrivial) {
  EXPECT_EQ(status_of("| batch | 2 |"), agents::FigureStatus::kTrivial);
  const auto result = check("3 of 5 prompts completed with 3 agents.");
  ASSERT_EQ(result.total(), 3u);
  EXPECT_EQ(result.trivial_count(), 3u);
  EXPECT_EQ(result.verified_count(), 0u);
  EXPECT_TRUE(result.unverified().empty());
}

TEST_F(FigureSourcesVerification, RightFiguresStillVerify) {
  const auto result = check(
      "Decode reached 102.31 tok/s with a TTFT of 0.128 s; the error rate was 12.5% and the GPU "
      "was 46% busy. The context was 4096 tokens and eval took 1.64 s.");
  ASSERT_EQ(result.total(), 6u);
  for (const auto& f : result.figures) {
    EXPECT_EQ(f.status, agents::FigureStatus::kVerified) << f.text_as_written;
    EXPECT_TRUE(f.verified) << f.text_as_written;
  }
  ASSERT_FALSE(result.figures[0].matches.empty());
  EXPECT_EQ(result.figures[0].matches.front().label, "mean_tokens_s");
  EXPECT_EQ(result.figures[0].matches.front().unit, "tok/s");
  EXPECT_NE(result.figures[0].matches.front().source.find("sweep.csv row 1"), std::string::npos);
  EXPECT_EQ(result.figures[1].matches.front().label, "ttft_ms");
  EXPECT_EQ(result.figures[2].matches.front().label, "error_rate");
  EXPECT_EQ(result.figures[3].matches.front().label, "gpu_util_pct");
  EXPECT_EQ(result.figures[4].matches.front().label, "num_ctx");
}

TEST_F(FigureSourcesVerification, JsonLeavesAreTypedByTheirKey) {
  const IngestFigureSource source(analysis_.figures);
  bool found_leaf = false;
  for (const auto& known : source.find(2.5, 0.0)) {
    if (known.label != "total_time") continue;
    found_leaf = true;
    EXPECT_NE(known.source.find("run.json"), std::string::npos);
  }
  EXPECT_TRUE(found_leaf);
  EXPECT_EQ(status_of("Total time: 2.5 s."), agents::FigureStatus::kVerified);
  EXPECT_EQ(status_of("Total time: 2.5 ms."), agents::FigureStatus::kVerified);  // untyped: as is
  EXPECT_EQ(status_of("Total time: 2500 ms."), agents::FigureStatus::kUnverified);
}

}  // namespace
}  // namespace chimera::orchestrate
