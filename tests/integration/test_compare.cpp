// `chimera compare` on data with a known difference and on data with none.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace chimera::testing {
namespace {

// A JSONL file of measured, successful, warm requests with these decode rates
// and TTFTs.
std::string write_requests(const std::string& path, const std::vector<double>& tps,
                           const std::vector<double>& ttft) {
  std::ofstream out(path);
  for (std::size_t i = 0; i < tps.size(); ++i) {
    nlohmann::json r = {
        {"id", fmt::format("r{}", i)}, {"status", "ok"},     {"warmup", false},
        {"decode_tps", tps[i]},        {"ttft_ms", ttft[i]}, {"output_tokens", 100}};
    out << r.dump() << "\n";
  }
  // A failed and a warm-up request: counted, never compared.
  out << nlohmann::json{{"id", "bad"}, {"status", "error"}, {"warmup", false}}.dump() << "\n";
  out << nlohmann::json{{"id", "w"}, {"status", "ok"}, {"warmup", true}, {"decode_tps", 1.0}}.dump()
      << "\n";
  return path;
}

const nlohmann::json& metric(const nlohmann::json& j, const std::string& name) {
  for (const auto& m : j["candidates"][0]["metrics"]) {
    if (m["metric"] == name) return m;
  }
  throw std::runtime_error("no metric " + name);
}

TEST(Compare, FindsAKnownDifference) {
  TempDir dir;
  const auto base =
      write_requests(dir.path() + "/base.jsonl", {100, 102, 98, 101, 99}, {50, 52, 48, 51, 49});
  const auto cand =
      write_requests(dir.path() + "/cand.jsonl", {110, 112, 108, 111, 109}, {50, 49, 52, 48, 51});
  auto r = run_chimera({"--json", "compare", base, cand});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& tps = metric(j, "decode_tps");
  EXPECT_EQ(tps["n_baseline"], 5);  // the failed and warm-up requests are left out
  EXPECT_DOUBLE_EQ(tps["difference"].get<double>(), 10.0);
  EXPECT_NEAR(tps["relative"].get<double>(), 0.10, 1e-12);
  // Both samples have sd sqrt(2.5); se = sqrt(2.5/5 + 2.5/5) = 1, t = 10, df = 8.
  EXPECT_NEAR(tps["welch_df"].get<double>(), 8.0, 1e-9);
  EXPECT_LT(tps["welch_p"].get<double>(), 1e-4);
  // Complete separation of 5 vs 5: exact Mann–Whitney p = 2/252.
  EXPECT_NEAR(tps["mann_whitney_p"].get<double>(), 2.0 / 252.0, 1e-9);
  // t(0.975, 8) = 2.306: the interval is 10 ± 2.306.
  EXPECT_NEAR(tps["difference_ci"][0].get<double>(), 10 - 2.306004, 1e-3);
  EXPECT_NEAR(tps["difference_ci"][1].get<double>(), 10 + 2.306004, 1e-3);
  EXPECT_TRUE(tps["significant"].get<bool>());
  EXPECT_NE(tps["verdict"].get<std::string>().find("faster by 10.0%"), std::string::npos)
      << tps["verdict"];
  // TTFT has the same values in another order: no difference.
  const auto& ttft = metric(j, "ttft_ms");
  EXPECT_FALSE(ttft["significant"].get<bool>());
  EXPECT_EQ(ttft["verdict"], "no detectable difference");
}

TEST(Compare, ReportsNoDifferenceInsideTheNoise) {
  TempDir dir;
  const auto base = write_requests(dir.path() + "/a.jsonl", {100, 104, 97, 101, 99, 103},
                                   {50, 52, 48, 51, 49, 50});
  const auto cand = write_requests(dir.path() + "/b.jsonl", {101, 98, 103, 100, 102, 97},
                                   {51, 49, 50, 52, 48, 50});
  auto r = run_chimera({"compare", base, cand});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no detectable difference"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("faster by"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("slower by"), std::string::npos) << r.out;
}

TEST(Compare, BaselineVsChimeraFromARunDirectory) {
  TempDir dir;
  const std::string out = dir.path() + "/run";
  auto run = run_chimera(
      {"run", "--sim", "--sim-config", source_dir() + "/tests/fixtures/sim-fast.yaml", "--data",
       source_dir() + "/tests/fixtures", "--runs", "3", "--no-isolated", "--output-dir", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = run_chimera({"compare", out, "--output", dir.path() + "/cmp.md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Baseline vs Chimera"), std::string::npos);
  EXPECT_NE(r.out.find("InsightAgent vs DataCollector-9000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SIMULATED"), std::string::npos);
  EXPECT_NE(r.out.find("(candidate − baseline) / baseline"), std::string::npos);
  std::ifstream written(dir.path() + "/cmp.md");
  EXPECT_TRUE(written.good());
}

TEST(Compare, SummaryJsonIsRefusedWithAdvice) {
  TempDir dir;
  std::ofstream(dir.path() + "/r.json") << "{}";
  auto r = run_chimera({"compare", dir.path() + "/r.json", dir.path() + "/r.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(".jsonl"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace chimera::testing
