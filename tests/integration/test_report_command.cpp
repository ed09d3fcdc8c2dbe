// `chimera report` on a results store created here through the store API.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chimera/store/store.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {

measure::RequestResult request(double ttft, double gap, bool warmup = false) {
  measure::RequestResult r;
  r.id = fmt::format("r-{}", ttft);
  r.backend = "ollama";
  r.endpoint = "http://127.0.0.1:11434";
  r.api = "generate";
  r.model = "gemma3:latest";
  r.warmup = warmup;
  r.server.eval_count = 8;
  r.server.eval_ms = 8 * gap;  // decode rate 1000 / gap tok/s
  r.server.total_ms = ttft + 7 * gap;
  measure::Timeline t;
  for (int i = 0; i < 8; ++i) t.text_chunk_ms.push_back(ttft + gap * i);
  measure::finalize(r, t);
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ReportCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    store_path = dir.path() + "/results.sqlite";
    auto store = std::move(*store::open_store(store_path));
    // Run 1: a finished bench. Run 2: a sweep of two configurations that was
    // killed during the second one.
    const auto bench = *store->begin_run(
        {.kind = store::RunKind::kBench, .simulated = true, .tool_version = "0.1.0"});
    const auto c = *store->add_configuration(bench, {.ordinal = 0, .key = "only", .label = "only"});
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(store->record_request(bench, c, request(100 + i, 10)));
    ASSERT_TRUE(store->finish_run(bench, store::RunStatus::kComplete));

    sweep = *store->begin_run({.kind = store::RunKind::kSweep,
                               .fingerprint = "grid",
                               .simulated = true,
                               .tool_version = "0.1.0"});
    const auto slow = *store->add_configuration(
        sweep, {.ordinal = 0, .key = "a", .label = "num_ctx=4096", .options = {{"num_ctx", 4096}}});
    const auto fast = *store->add_configuration(
        sweep, {.ordinal = 1, .key = "b", .label = "num_ctx=1024", .options = {{"num_ctx", 1024}}});
    ASSERT_TRUE(store->record_request(sweep, slow, request(600, 20, /*warmup=*/true)));
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(store->record_request(sweep, slow, request(200 + i, 20)));
    ASSERT_TRUE(store->set_configuration_status(slow, store::ConfigurationStatus::kDone));
    ASSERT_TRUE(store->set_configuration_status(fast, store::ConfigurationStatus::kRunning));
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(store->record_request(sweep, fast, request(90 + i, 10)));
  }

  TempDir dir;
  std::string store_path;
  std::int64_t sweep = 0;
};

TEST_F(ReportCommand, ListsRuns) {
  auto r = run_chimera({"report", "--store", store_path, "--list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("complete"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("running"), std::string::npos) << r.out;
  r = run_chimera({"--json", "report", "--store", "sqlite://" + store_path, "--list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto runs = nlohmann::json::parse(r.out);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1]["kind"], "sweep");
  EXPECT_EQ(runs[1]["configurations"], 2);
}

TEST_F(ReportCommand, LatestSweepIsRankedAndFlaggedAsUnfinished) {
  auto r = run_chimera({"report", "--store", store_path, "--format", "md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(SIMULATED)"), std::string::npos);
  // 1000/10 = 100 tok/s beats 1000/20 = 50 tok/s, so num_ctx=1024 ranks first.
  const auto first = r.out.find("## 1. num_ctx=1024");
  const auto second = r.out.find("## 2. num_ctx=4096");
  EXPECT_NE(first, std::string::npos) << r.out;
  EXPECT_LT(first, second);
  EXPECT_NE(r.out.find("| Decode rate (tok/s) | 3 | 100.0 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did not finish (status running)"), std::string::npos);
  EXPECT_NE(r.out.find("run the same sweep again to resume it"), std::string::npos);
}

TEST_F(ReportCommand, JsonOutputsRoundTripThroughInput) {
  const auto json_path = dir.path() + "/out.json";
  const auto jsonl_path = dir.path() + "/out.jsonl";
  const auto html_path = dir.path() + "/out.html";
  auto r =
      run_chimera({"report", "--store", store_path, "--run", std::to_string(sweep), "--format",
                   "json", "--output", json_path, "-o", jsonl_path, "-o", "html:" + html_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto printed = nlohmann::json::parse(r.out);
  EXPECT_EQ(printed["schema_version"], 1);
  EXPECT_EQ(printed["configurations"][0]["counts"]["warmup"], 1);
  EXPECT_EQ(printed["configurations"][0]["counts"]["ok"], 3);
  EXPECT_EQ(nlohmann::json::parse(slurp(json_path)), printed);
  std::istringstream jsonl(slurp(jsonl_path));
  int lines = 0;
  for (std::string line; std::getline(jsonl, line);) {
    EXPECT_TRUE(nlohmann::json::parse(line).contains("itl_ms"));
    ++lines;
  }
  EXPECT_EQ(lines, 7);  // warm-up included: JSONL is the raw record
  EXPECT_NE(slurp(html_path).find("<svg"), std::string::npos);

  r = run_chimera({"report", "--input", json_path, "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("rank,configuration,")) << r.out;
  r = run_chimera({"report", "--input", json_path, "--format", "jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("raw requests"), std::string::npos) << r.err;
}

TEST_F(ReportCommand, ClearErrors) {
  // Nothing listens on loopback port 1: a connect failure, password hidden.
  auto r = run_chimera({"report", "--store", "postgresql://chimera:pw@127.0.0.1:1/results"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.err.find("Could not open results store 'postgresql://chimera:***@127.0.0.1:1/results'"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(":pw@"), std::string::npos) << r.err;
  r = run_chimera({"report", "--store", store_path, "--run", "99"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("run 99 is not in"), std::string::npos) << r.err;
  r = run_chimera({"report", "--store", store_path, "--run", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_chimera({"report", "--store", store_path, "-o", "/nonexistent-directory/x.md"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Could not create export file '/nonexistent-directory/x.md'"),
            std::string::npos)
      << r.err;
  r = run_chimera({"report"});
  EXPECT_EQ(r.exit_code, 2);
  const auto typo = dir.path() + "/typo.sqlite";
  r = run_chimera({"report", "--store", typo});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("there is no results store at"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(typo));  // reading never creates a store
  r = run_chimera({"report", "--store", store_path, "-o", "results.xyz"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace chimera::testing
