// `chimera bench` and `chimera sweep` end to end against the built-in simulator.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/http_get.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string fast_sim() {
  return source_dir() + "/tests/fixtures/sim-fast.yaml";
}

nlohmann::json parse_json(const ProcessResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

// The warm summary of one metric ({"n":..,"mean":..,...}), or nullptr.
const nlohmann::json* metric(const nlohmann::json& config, const std::string& name) {
  const auto& warm = config["warm"];
  auto it = warm.find(name);
  return it == warm.end() ? nullptr : &*it;
}

TEST(Bench, MeasuresTheSimulatorAgainstItsTimingModel) {
  TempDir dir;
  auto r = run_chimera({"--json", "bench", "--sim", "--sim-config", fast_sim(), "--runs", "6",
                        "--num-predict", "40", "--store", dir.path() + "/r.sqlite", "--output",
                        dir.path() + "/r.jsonl", "--output", dir.path() + "/r.md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  EXPECT_TRUE(j["simulated"].get<bool>());
  ASSERT_EQ(j["configurations"].size(), 1u);
  const auto& c = j["configurations"][0];
  EXPECT_EQ(c["counts"]["ok"], 6);
  EXPECT_EQ(c["counts"]["warmup"], 1);
  // The simulator decodes at 2000 tok/s and reports it as eval_count / eval_duration.
  const auto* tps = metric(c, "decode_tps");
  ASSERT_NE(tps, nullptr);
  EXPECT_NEAR((*tps)["mean"].get<double>(), 2000.0, 200.0);
  // 40 tokens per request, as asked.
  const auto* tokens = metric(c, "output_tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_DOUBLE_EQ((*tokens)["mean"].get<double>(), 40.0);
  // Exports: one JSONL line per request (warm-up included), a Markdown table.
  std::ifstream jsonl(dir.path() + "/r.jsonl");
  int lines = 0;
  for (std::string line; std::getline(jsonl, line);) ++lines;
  EXPECT_EQ(lines, 7);
  EXPECT_TRUE(fs::exists(dir.path() + "/r.md"));
}

TEST(Bench, InjectedServerErrorsAreRecordedAndExitCodeIsThree) {
  TempDir dir;
  auto r = run_chimera({"--json", "bench", "--sim", "--sim-config", fast_sim(), "--runs", "3",
                        "--warmup", "0", "--header", "X-Sim-Fault: http500", "--no-store"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  auto j = parse_json(r);
  const auto& c = j["configurations"][0];
  EXPECT_EQ(c["counts"]["error"], 3);
  EXPECT_EQ(c["counts"]["ok"], 0);
  EXPECT_FALSE(c["error_reasons"].empty());
}

TEST(Bench, UnreachableServerStopsBeforeMeasuring) {
  auto r = run_chimera({"bench", "--endpoint", "http://127.0.0.1:9", "--no-store"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--sim"), std::string::npos) << r.err;
}

TEST(Sweep, RanksTheGridAndWritesARecommendedProfile) {
  TempDir dir;
  auto r = run_chimera({"--json", "sweep", "--sim", "--sim-config", fast_sim(), "--model",
                        "gemma3:latest,llama3.1:8b-instruct-q4_0", "--num-ctx", "1024,2048",
                        "--runs", "2", "--num-predict", "20", "--store", dir.path() + "/s.sqlite",
                        "--recommend", dir.path() + "/best.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  ASSERT_EQ(j["configurations"].size(), 4u);
  // gemma3 decodes faster (2000 vs 1500 tok/s), so it ranks first.
  const auto& order = j["ranking"]["order"];
  ASSERT_EQ(order.size(), 4u);
  EXPECT_NE(order[0]["key"].get<std::string>().find("gemma3"), std::string::npos);
  EXPECT_GT(order[0]["decode_tps_mean"].get<double>(), order[3]["decode_tps_mean"].get<double>());
  std::ifstream best(dir.path() + "/best.yaml");
  std::string yaml((std::istreambuf_iterator<char>(best)), std::istreambuf_iterator<char>());
  EXPECT_NE(yaml.find("profiles:"), std::string::npos);
  EXPECT_NE(yaml.find("gemma3:latest"), std::string::npos);
  // The snippet loads as a config file.
  auto doctor = run_chimera({"--config", dir.path() + "/best.yaml", "run", "--help"});
  EXPECT_EQ(doctor.exit_code, 0) << doctor.err;
}

TEST(Sweep, WarnsWhenNumGpuValuesAreAllFullOffload) {
  auto r = run_chimera({"sweep", "--sim", "--sim-config", fast_sim(), "--num-gpu", "40,80,999",
                        "--runs", "1", "--warmup", "0", "--num-predict", "5", "--no-store"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("full offload"), std::string::npos) << r.err;
}

TEST(Sweep, ResumesAfterKillNine) {
  TempDir dir;
  const std::string store = dir.path() + "/s.sqlite";
  // Slow enough per configuration that a kill lands mid-sweep.
  std::vector<std::string> args{"--json",
                                "sweep",
                                "--sim",
                                "--sim-config",
                                fast_sim(),
                                "--temperature",
                                "0.1,0.2,0.3,0.4,0.5,0.6",
                                "--runs",
                                "3",
                                "--num-predict",
                                "150",
                                "--store",
                                store};
  {
    ChildProcess child(chimera_binary(), args);
    // Wait until at least one configuration is stored, then kill -9.
    for (int i = 0; i < 300; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (fs::exists(store) && fs::file_size(store) > 0 && i > 40) break;
    }
    child.send_signal(SIGKILL);
    child.wait(std::chrono::seconds(10));
  }
  auto r = run_chimera(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resumed"), std::string::npos) << r.err;
  auto j = parse_json(r);
  ASSERT_EQ(j["configurations"].size(), 6u);
  for (const auto& c : j["configurations"]) EXPECT_EQ(c["counts"]["ok"], 3) << c.dump();
}

// How many requests the simulator has finished (its truth records).
std::size_t finished_requests(const SimProcess& sim) {
  const auto response = http_request("GET", sim.url() + "/sim/requests");
  if (response.status != 200) return 0;
  const auto j = nlohmann::json::parse(response.body, nullptr, false);
  return j.is_array() ? j.size() : 0;
}

// A sweep of 8 temperatures, 1 warm-up and 20 measured requests each (21 per
// configuration) on a one-slot simulator at 50 ms a request, sent SIGINT once
// the simulator has finished 47 requests: configurations 1 and 2 are done
// (42) and the third is inside its measured requests. Returns the result and
// the simulator's count when the signal went out.
std::pair<ProcessResult, std::size_t> interrupted_sweep(std::vector<std::string> extra,
                                                        bool json = false) {
  SimProcess sim({"--parallel", "1", "--load-ms", "0", "--decode-tps", "2000", "--jitter", "0",
                  "--prefill-tps", "1000000"});
  std::vector<std::string> args{"sweep",
                                "--endpoint",
                                sim.url(),
                                "--temperature",
                                "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8",
                                "--runs",
                                "20",
                                "--warmup",
                                "1",
                                "--num-predict",
                                "100"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (json) args.insert(args.begin(), "--json");
  ChildProcess child(chimera_binary(), args);
  std::size_t at_signal = 0;
  for (int i = 0; i < 3000 && at_signal < 47; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    at_signal = finished_requests(sim);
  }
  child.send_signal(SIGINT);
  ProcessResult r;
  r.exit_code = child.wait(std::chrono::seconds(30)).value_or(-1);
  r.out = child.stdout_text();
  r.err = child.stderr_text();
  return {r, at_signal};
}

TEST(Sweep, AnInterruptedSweepRanksOnlyFinishedCellsAndRefusesToRecommend) {
  TempDir dir;
  const std::string best = dir.path() + "/best.yaml";
  auto [r, at_signal] =
      interrupted_sweep({"--store", dir.path() + "/s.sqlite", "--recommend", best});
  // The third configuration's measured requests are 44..63 of the simulator's count.
  ASSERT_GE(at_signal, 47u);
  ASSERT_LT(at_signal, 62u) << "the signal came too late to land inside configuration 3";
  EXPECT_EQ(r.exit_code, 130) << r.err;
  // --json is global: read the console's ranking here, the JSON in the next test.
  const auto ranking_at = r.out.find("Ranking");
  const auto not_ranked_at = r.out.find("Not ranked");
  ASSERT_NE(ranking_at, std::string::npos) << r.out;
  ASSERT_NE(not_ranked_at, std::string::npos) << r.out;
  ASSERT_LT(ranking_at, not_ranked_at) << r.out;
  EXPECT_NE(r.out.find("temperature=0.3", not_ranked_at), std::string::npos) << r.out;
  // The ranking table above it holds the two finished configurations only.
  const auto table = r.out.substr(ranking_at, not_ranked_at - ranking_at);
  EXPECT_NE(table.find("temperature=0.1"), std::string::npos) << table;
  EXPECT_NE(table.find("temperature=0.2"), std::string::npos) << table;
  EXPECT_EQ(table.find("temperature=0.3"), std::string::npos) << table;
  // No recommendation, and the reason names the way out.
  EXPECT_FALSE(fs::exists(best));
  EXPECT_EQ(r.out.find("Recommended profile"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("2 of 8 configurations finished"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-partial"), std::string::npos) << r.err;
}

TEST(Sweep, AllowPartialRecommendsTheBestFinishedCellMarkedPartial) {
  TempDir dir;
  const std::string best = dir.path() + "/best.yaml";
  auto [r, at_signal] = interrupted_sweep(
      {"--store", dir.path() + "/s.sqlite", "--recommend", best, "--allow-partial"});
  ASSERT_GE(at_signal, 47u);
  ASSERT_LT(at_signal, 62u) << "the signal came too late to land inside configuration 3";
  EXPECT_EQ(r.exit_code, 130) << r.err;
  std::ifstream in(best);
  std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(yaml.find("PARTIAL sweep: only 2 of its 8 configurations finished"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("best of 2 finished configurations of a partial 8-configuration sweep"),
            std::string::npos)
      << yaml;
  // The recommended temperature is one of the finished ones.
  EXPECT_TRUE(yaml.find("temperature: 0.1") != std::string::npos ||
              yaml.find("temperature: 0.2") != std::string::npos)
      << yaml;
  EXPECT_NE(r.out.find("Recommended profile (PARTIAL sweep)"), std::string::npos) << r.out;
}

TEST(Sweep, AnInterruptedSweepsJsonListsUnfinishedCellsApart) {
  TempDir dir;
  auto [r, at_signal] = interrupted_sweep({"--store", dir.path() + "/s.sqlite"}, true);
  ASSERT_GE(at_signal, 47u);
  ASSERT_LT(at_signal, 62u) << "the signal came too late to land inside configuration 3";
  EXPECT_EQ(r.exit_code, 130) << r.err;
  const auto j = parse_json(r);
  const auto& order = j["ranking"]["order"];
  ASSERT_EQ(order.size(), 2u) << order;
  for (const auto& o : order) {
    const auto key = o["key"].get<std::string>();
    EXPECT_TRUE(key.ends_with("temperature=0.1") || key.ends_with("temperature=0.2")) << key;
  }
  const auto& unfinished = j["ranking"]["unfinished"];
  ASSERT_EQ(unfinished.size(), 1u) << unfinished;
  EXPECT_TRUE(unfinished[0]["key"].get<std::string>().ends_with("temperature=0.3"));
  // Signalled after 4 of its measured requests; the one in flight is cancelled.
  EXPECT_GE(unfinished[0]["measured"].get<int>(), 4);
  EXPECT_LT(unfinished[0]["measured"].get<int>(), 20);
  EXPECT_FALSE(j["configurations"][2]["finished"].get<bool>());
  EXPECT_TRUE(j["configurations"][0]["finished"].get<bool>());
  EXPECT_EQ(j["coverage"]["planned"], 8);
  EXPECT_EQ(j["coverage"]["finished"], 2);
  EXPECT_TRUE(j["coverage"]["partial"].get<bool>());
  EXPECT_EQ(j["recommended_profile_yaml"], "");
  EXPECT_FALSE(j["recommendation_partial"].get<bool>());
  EXPECT_NE(j["recommendation_note"].get<std::string>().find("--allow-partial"), std::string::npos);
}

}  // namespace
}  // namespace chimera::testing
