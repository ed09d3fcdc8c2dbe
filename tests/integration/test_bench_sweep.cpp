// `chimera bench` and `chimera sweep` end to end against the built-in simulator.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace chimera::testing
