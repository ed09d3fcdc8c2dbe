// Model reloads in `chimera run`, over real HTTP against the simulator: a
// reload caused by running together is contention; a reload with another
// cause is set apart with its cause; an OpenAI-compatible server, which
// reports no load time, shows its reloads as a TTFT jump.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "support/http_get.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  return source_dir() + "/tests/fixtures/" + name;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(Reloads, SimSharedWithTheDefaultScenarioIsContentionByModelReloads) {
  // baseline_vs_chimera: DataCollector-9000 sends no num_ctx/num_gpu (the
  // server's defaults), InsightAgent num_ctx 1024 and num_gpu 80; one server.
  TempDir dir;
  const std::string out = dir.path() + "/out";
  auto r = run_chimera({"run", "--sim-shared", "--sim-config", fixture("sim-reload.yaml"), "--data",
                        source_dir() + "/tests/fixtures", "--output-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = read_json(fs::path(out) / "run_1" / "metrics.json")["concurrency"];
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  EXPECT_TRUE(c["contention"].get<bool>()) << c.dump(2);
  EXPECT_TRUE(c["reload_contention"].get<bool>()) << c.dump(2);
  // Four calls alternate between two layouts on one slot: at least the
  // second, third and fourth call reload.
  EXPECT_GE(c["reloads"].get<int>(), 3) << c.dump(2);
  const auto verdict = c["verdict"].get<std::string>();
  EXPECT_TRUE(verdict.starts_with("contention (model reloads): ")) << verdict;
  EXPECT_NE(verdict.find("num_ctx (DataCollector-9000 server default, InsightAgent 1024)"),
            std::string::npos)
      << verdict;
  EXPECT_NE(verdict.find("use one num_ctx/num_gpu for agents sharing a server, or give them "
                         "separate servers"),
            std::string::npos);
  EXPECT_EQ(verdict.find("not contention"), std::string::npos) << verdict;
  for (const auto& a : c["agents"]) {
    for (const auto& e : a["reload_evidence"]) {
      EXPECT_NE(e.get<std::string>().find("load_duration"), std::string::npos) << e;
    }
  }
  // The console line, summary.json, summary.md and the page carry it too.
  EXPECT_NE(r.out.find("contention (model reloads) in 1 of 1 runs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model reload, "), std::string::npos) << r.out;
  const auto summary = read_json(fs::path(out) / "summary.json")["concurrency"];
  EXPECT_EQ(summary["reload_contention_runs"], 1) << summary.dump(2);
  std::ifstream md(fs::path(out) / "summary.md");
  const std::string text((std::istreambuf_iterator<char>(md)), {});
  EXPECT_NE(text.find("contention (model reloads) in 1 of 1 runs"), std::string::npos);
  std::ifstream html(fs::path(out) / "report.html");
  const std::string page((std::istreambuf_iterator<char>(html)), {});
  EXPECT_NE(page.find("contention (model reloads) in 1 of 1 runs"), std::string::npos);
}

// Two agents on their own OpenAI-compatible servers, a pair of fixed calls each.
std::string write_openai_pair(const std::string& dir, const std::string& url_a,
                              const std::string& url_b) {
  const std::string path = dir + "/pair.yaml";
  std::ofstream(path) << "profiles:\n"
                         "  fixed-a: {model: gemma3:latest, options: {num_predict: 120, seed: 1}}\n"
                         "  fixed-b: {model: gemma3:latest, options: {num_predict: 120, seed: 2}}\n"
                         "agents:\n"
                         "  a: {persona: DataCollector-9000, profile: fixed-a, endpoint: \""
                      << url_a
                      << "\"}\n"
                         "  b: {persona: DataCollector-9000, profile: fixed-b, endpoint: \""
                      << url_b
                      << "\"}\n"
                         "scenarios:\n"
                         "  pair: [a, b]\n";
  return path;
}

// The simulator's records, oldest first.
std::vector<nlohmann::json> truth(const std::string& url) {
  auto records = nlohmann::json::parse(http_request("GET", url + "/sim/requests").body);
  std::vector<nlohmann::json> out(records.begin(), records.end());
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x["received_ns"].template get<double>() < y["received_ns"].template get<double>();
  });
  return out;
}

TEST(Reloads, AnOpenAiReloadIsSeenAsATtftJumpAndSetApartWithItsCause) {
  // a's server sits idle while b's baseline runs, so a's model expires
  // (keep_alive 0.25 s) and a's first concurrent call pays the 1.5 s load.
  TempDir dir;
  SimProcess sim_a({"--config", fixture("sim-expiry.yaml")});
  SimProcess sim_b({"--config", fixture("sim-expiry.yaml")});
  const auto scenario = write_openai_pair(dir.path(), sim_a.url() + "/v1", sim_b.url() + "/v1");
  const std::string out = dir.path() + "/out";
  auto r = run_chimera({"run", "--backend", "openai", "--data", source_dir() + "/tests/fixtures",
                        "--scenario", scenario, "--output-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The truth: a's concurrent calls are the last two its server received;
  // the first of them loaded the model, the second did not; b's did not.
  const auto ta = truth(sim_a.url()), tb = truth(sim_b.url());
  ASSERT_GE(ta.size(), 2u);
  ASSERT_GE(tb.size(), 2u);
  const double truth_load_ms = ta[ta.size() - 2]["load_ms"].get<double>();
  EXPECT_NEAR(truth_load_ms, 1500, 50);
  EXPECT_LT(ta.back()["load_ms"].get<double>(), 1.0);
  EXPECT_LT(tb[tb.size() - 2]["load_ms"].get<double>(), 1.0);
  EXPECT_LT(tb.back()["load_ms"].get<double>(), 1.0);

  const auto c = read_json(fs::path(out) / "run_1" / "metrics.json")["concurrency"];
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  const auto& a = c["agents"][0];
  const auto& b = c["agents"][1];
  EXPECT_EQ(a["reloads"], 1) << c.dump(2);
  EXPECT_EQ(b["reloads"], 0) << c.dump(2);
  ASSERT_EQ(a["reload_evidence"].size(), 1u);
  const auto evidence = a["reload_evidence"][0].get<std::string>();
  EXPECT_TRUE(evidence.starts_with("call 1: TTFT ")) << evidence;
  EXPECT_NE(evidence.find("the server reports no load time"), std::string::npos) << evidence;
  // Alone on its server: not caused by running together, so not contention.
  EXPECT_NE(a["reload_cause"].get<std::string>().find("no other agent of the run sends to"),
            std::string::npos)
      << c.dump(2);
  EXPECT_FALSE(c["reload_contention"].get<bool>()) << c.dump(2);
  EXPECT_FALSE(c["verdict"].get<std::string>().starts_with("contention (model reloads)"))
      << c["verdict"];
  EXPECT_NE(r.out.find("model reload, a call 1: TTFT "), std::string::npos) << r.out;
  std::cout << "truth load " << truth_load_ms << " ms; chimera: " << evidence << "\n";
}

}  // namespace
}  // namespace chimera::testing
