// The simulator says what it is, and Chimera believes it: a run or a bench
// against a separately started `chimera sim` (not --sim) is labelled
// SIMULATED on every page and output, exactly as with --sim.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "chimera/version.hpp"
#include "support/process.hpp"
#include "support/run_files.hpp"
#include "test_sim_client.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(SimIdentity, EveryResponseAndTheServerInfoSayItIsTheSimulator) {
  SimProcess sim({"--config", fixture("sim-fast.yaml")});
  SimClient client;
  auto version = client.get(sim.url() + "/api/version");
  EXPECT_EQ(version.headers["x-chimera-sim"], kVersion);
  EXPECT_EQ(json::parse(version.body)["chimera_sim"], kVersion);
  EXPECT_EQ(json::parse(version.body)["version"], "0.12.6");  // still the imitated Ollama's
  auto models = client.get(sim.url() + "/v1/models");
  EXPECT_EQ(models.headers["x-chimera-sim"], kVersion);
  EXPECT_EQ(json::parse(models.body)["chimera_sim"], kVersion);
  // Generations, errors and unknown paths too.
  auto generated = client.post(
      sim.url() + "/api/generate",
      {{"model", "gemma3:latest"}, {"prompt", "hi"}, {"options", {{"num_predict", 2}}}});
  EXPECT_EQ(generated.status, 200);
  EXPECT_EQ(generated.headers["x-chimera-sim"], kVersion);
  auto missing = client.post(
      sim.url() + "/v1/chat/completions",
      {{"model", "nope"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers["x-chimera-sim"], kVersion);
  auto unknown = client.get(sim.url() + "/no/such/path");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.headers["x-chimera-sim"], kVersion);
}

TEST(SimIdentity, ARunAgainstASeparateSimulatorIsLabelledSimulatedEverywhere) {
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-fast.yaml")});
  const fs::path out = fs::path(dir.path()) / "out";
  auto r = run_chimera({"run", "-e", sim.url(), "--artifacts", source_dir() + "/examples/artifacts",
                        "--output-dir", out.string(), "--option", "num_predict=40"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "SIMULATED: 1 finished run(s)")) << r.out;
  EXPECT_TRUE(has(r.err, sim.url() + " answered as Chimera's simulator")) << r.err;
  EXPECT_EQ(json::parse(slurp(out / "summary.json"))["simulated"], true);
  EXPECT_EQ(json::parse(slurp(out / "run_1" / "metrics.json"))["simulated"], true);
  EXPECT_TRUE(has(slurp(out / "summary.md"), "**SIMULATED**"));
  EXPECT_TRUE(has(slurp(out / "run_1" / "combined_report.md"), "**SIMULATED**"));
  EXPECT_TRUE(has(slurp(out / "report.html"), "(SIMULATED)"));
  int agent_reports = 0;
  for (const auto& entry : fs::directory_iterator(out / "run_1")) {
    const auto name = entry.path().filename().string();
    if (name.ends_with("_report.md") && name != "combined_report.md") {
      ++agent_reports;
      EXPECT_TRUE(has(slurp(entry.path()), "**SIMULATED**")) << name;
    }
  }
  EXPECT_EQ(agent_reports, 2);

  // The --json summary says so too.
  auto j = run_chimera({"--json", "run", "-e", sim.url(), "--artifacts",
                        source_dir() + "/examples/artifacts", "--output-dir",
                        (fs::path(dir.path()) / "json").string(), "--option", "num_predict=40"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(json::parse(j.out)["simulated"], true);
}

TEST(SimIdentity, ABenchAgainstASeparateSimulatorIsLabelledSimulatedEverywhere) {
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-fast.yaml")});
  const fs::path base = fs::path(dir.path()) / "bench";
  auto r = run_chimera({"bench", "-e", sim.url(), "--runs", "2", "--num-predict", "5", "--no-store",
                        "--output", base.string() + ".html", "--output", base.string() + ".md",
                        "--output", base.string() + ".csv", "--output", base.string() + ".json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "SIMULATED: these results come from `chimera sim`")) << r.out;
  EXPECT_TRUE(has(r.err, "answered as Chimera's simulator")) << r.err;
  EXPECT_TRUE(has(slurp(base.string() + ".html"), "(SIMULATED)"));
  EXPECT_TRUE(has(slurp(base.string() + ".md"), "(SIMULATED)"));
  const auto csv = slurp(base.string() + ".csv");
  EXPECT_TRUE(has(csv, ",true,")) << csv;  // the simulated column
  EXPECT_FALSE(has(csv, ",false,")) << csv;
  EXPECT_EQ(json::parse(slurp(base.string() + ".json"))["simulated"], true);

  // Over the OpenAI API, the simulator says so in /v1/models.
  auto openai = run_chimera({"--json", "bench", "--backend", "openai", "-e", sim.url() + "/v1",
                             "--runs", "2", "--num-predict", "5", "--no-store"});
  ASSERT_EQ(openai.exit_code, 0) << openai.err;
  EXPECT_EQ(json::parse(openai.out)["simulated"], true);
}

}  // namespace
}  // namespace chimera::testing
