// `chimera run` end to end: the run directory, the seeds' report layout, the
// truth of its figures, and every fault path. They run on the repository's
// examples/artifacts; the shared corpus, where present, is one more case.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "support/http_get.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  return source_dir() + "/tests/fixtures/" + name;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json(const fs::path& path) {
  auto j = nlohmann::json::parse(slurp(path), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << path;
  return j;
}

std::vector<nlohmann::json> read_jsonl(const fs::path& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// The sections of the seeds' layout plus ours, in order.
void expect_seed_layout(const std::string& report, const std::string& title) {
  const std::vector<std::string> in_order = {
      "# " + title,         "**Date:**",           "**Agent Type:**", "**Model:**",
      "**Configuration:**", "## Workflow Summary", "## Metrics",      "## Key Findings",
      "## Recommendations", "## Data Facts",       "## Verification", "## Persona Prompt"};
  std::size_t at = 0;
  for (const auto& marker : in_order) {
    const auto found = report.find(marker, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << marker << "\n" << report;
    at = found;
  }
  for (const char* metric : {"Throughput", "TTFT", "Total Duration", "Tokens Generated",
                             "Prompt Eval", "Eval Duration", "Load Duration"}) {
    EXPECT_NE(report.find(metric), std::string::npos) << metric;
  }
}

// A corpus the run is given, with a fact the data summary must state.
struct Corpus {
  std::string name;
  std::optional<std::string> dir;  // nullopt: absent here
  std::string zero_completed;      // the fact about the model that completed nothing
};

std::string corpus_name(const ::testing::TestParamInfo<Corpus>& info) {
  return info.param.name;
}
void PrintTo(const Corpus& corpus, std::ostream* out) {
  *out << corpus.name;
}

class RunWorkflowOn : public ::testing::TestWithParam<Corpus> {};

TEST_P(RunWorkflowOn, WritesTheRunDirectoryWithTheSeedLayout) {
  if (!GetParam().dir) GTEST_SKIP() << "../shared/data/chimera-artifacts is absent; skipping";
  const std::string artifacts = *GetParam().dir;
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--artifacts",
                        artifacts, "--output-dir", out.string(), "--runs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  for (const char* f : {"summary.json", "summary.md", "requests.jsonl", "results.sqlite",
                        "run_1/DataCollector-9000_report.md", "run_1/InsightAgent_report.md",
                        "run_1/combined_report.md", "run_1/metrics.json", "run_2/metrics.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  EXPECT_FALSE(fs::exists(out / "run_1" / "INCOMPLETE.md"));
  const auto collector = slurp(out / "run_1" / "DataCollector-9000_report.md");
  expect_seed_layout(collector, "DataCollector-9000");
  EXPECT_NE(collector.find("SIMULATED"), std::string::npos);
  EXPECT_NE(collector.find("server defaults (no options sent)"), std::string::npos);
  EXPECT_NE(collector.find("You are DataCollector-9000"), std::string::npos);
  const auto insight = slurp(out / "run_1" / "InsightAgent_report.md");
  expect_seed_layout(insight, "InsightAgent");
  // The expectation is printed beside the measurement, never instead of it.
  EXPECT_NE(insight.find("102.31"), std::string::npos);
  EXPECT_NE(insight.find("not measured"), std::string::npos);
  // Data facts come from the artifacts, with provenance.
  EXPECT_NE(insight.find(GetParam().zero_completed), std::string::npos) << insight;
  EXPECT_NE(insight.find("(source: "), std::string::npos);

  // Metrics are the sum of what the server reported for the concurrent calls.
  const auto metrics = read_json(out / "run_1" / "metrics.json");
  const auto requests = read_jsonl(out / "requests.jsonl");
  for (const auto& agent : metrics["agents"]) {
    std::int64_t tokens = 0;
    for (const auto& q : requests) {
      if (q["run"] == 1 && q["phase"] == "concurrent" && q["agent"] == agent["agent"]) {
        tokens += q["server"]["eval_count"].get<std::int64_t>();
      }
    }
    EXPECT_GT(tokens, 0);
    EXPECT_EQ(agent["metrics"]["tokens_generated"].get<std::int64_t>(), tokens) << agent.dump();
    EXPECT_TRUE(agent["ok"].get<bool>());
  }
  const auto summary = read_json(out / "summary.json");
  EXPECT_TRUE(summary["complete"].get<bool>());
  EXPECT_TRUE(summary["simulated"].get<bool>());
  EXPECT_EQ(summary["runs"].size(), 2u);
}

// The examples say how many prompts were planned only for the whole suite, so
// the fact counts requests; the shared summaries give it per model.
INSTANTIATE_TEST_SUITE_P(
    Artifacts, RunWorkflowOn,
    ::testing::Values(Corpus{"examples", example_artifacts_dir(),
                             "0 requests completed for model qwen2.5:7b-instruct"},
                      Corpus{"shared", shared_artifacts_dir(), "0 of 5 prompts completed"}),
    corpus_name);

TEST(RunWorkflow, MetricsAgreeWithTheSimulatorsOwnTruth) {
  const std::string artifacts = example_artifacts_dir();
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-fast.yaml")});
  const fs::path out = fs::path(dir.path()) / "out";
  auto r =
      run_chimera({"run", "--endpoint", sim.url(), "--artifacts", artifacts, "--output-dir",
                   out.string(), "--persona", "InsightAgent", "--profile", "chimera-optimized"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto truth = nlohmann::json::parse(http_request("GET", sim.url() + "/sim/requests").body);
  ASSERT_TRUE(truth.is_array());
  std::vector<nlohmann::json> served(truth.begin(), truth.end());
  std::sort(served.begin(), served.end(), [](const auto& a, const auto& b) {
    return a["received_ns"].template get<double>() < b["received_ns"].template get<double>();
  });
  // The warm-ups were served first (they replay the measured calls); then the
  // analysis and report calls.
  std::vector<nlohmann::json> calls;
  const auto rows = read_jsonl(out / "requests.jsonl");
  for (const auto& q : rows) {
    if (q["phase"] == "concurrent") calls.push_back(q);
  }
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(served.size(), rows.size());
  const std::size_t first_call = served.size() - calls.size();
  std::int64_t tokens = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& t = served[first_call + i];
    EXPECT_EQ(calls[i]["output_tokens"], t["eval_count"]);
    EXPECT_NEAR(calls[i]["server"]["eval_ms"].get<double>(), t["eval_ms"].get<double>(), 0.01);
    // The client's TTFT includes the network on both sides: a little above the server's own.
    const double server_ttft_ms =
        (t["first_token_ns"].get<double>() - t["received_ns"].get<double>()) / 1e6;
    EXPECT_GE(calls[i]["ttft_ms"].get<double>(), server_ttft_ms - 0.5);
    EXPECT_LE(calls[i]["ttft_ms"].get<double>(), server_ttft_ms + 25.0);
    tokens += t["eval_count"].get<std::int64_t>();
  }
  const auto metrics = read_json(out / "run_1" / "metrics.json");
  EXPECT_EQ(metrics["agents"][0]["metrics"]["tokens_generated"].get<std::int64_t>(), tokens);
}

TEST(RunWorkflow, EveryBuiltInProfileWritesAReport) {
  const std::string artifacts = example_artifacts_dir();
  TempDir dir;
  for (const char* profile : {"baseline", "chimera-agent-a", "chimera-agent-b", "chimera-agent",
                              "chimera-insight", "chimera-optimized"}) {
    const fs::path out = fs::path(dir.path()) / profile;
    auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--artifacts",
                          artifacts, "--output-dir", out.string(), "--persona", "InsightAgent",
                          "--profile", profile});
    ASSERT_EQ(r.exit_code, 0) << profile << r.err;
    const auto report = slurp(out / "run_1" / "InsightAgent_report.md");
    expect_seed_layout(report, "InsightAgent");
    EXPECT_NE(report.find(std::string("profile ") + profile), std::string::npos) << report;
  }
}

TEST(RunWorkflow, AFailedAgentSaysSoAndTheOtherCarriesOn) {
  const std::string artifacts = example_artifacts_dir();
  TempDir dir;
  const fs::path scenario = fs::path(dir.path()) / "faulty.yaml";
  std::ofstream(scenario) << "profiles:\n"
                             "  broken: {model: \"gemma3:latest@fault=http500\"}\n"
                             "  empty: {model: \"gemma3:latest@fault=zero_tokens\"}\n"
                             "agents:\n"
                             "  good: {persona: InsightAgent, profile: chimera-optimized}\n"
                             "  bad: {persona: DataCollector-9000, profile: broken}\n"
                             "  silent: {persona: DataCollector-9000, profile: empty}\n"
                             "scenarios:\n"
                             "  faulty: [good, bad, silent]\n";
  const fs::path out = fs::path(dir.path()) / "out";
  auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--artifacts",
                        artifacts, "--scenario", scenario.string(), "--output-dir", out.string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto good = slurp(out / "run_1" / "good_report.md");
  expect_seed_layout(good, "good");
  const auto bad = slurp(out / "run_1" / "bad_report.md");
  EXPECT_NE(bad.find("500"), std::string::npos) << bad;
  EXPECT_EQ(bad.find("## Executive Summary"), std::string::npos) << "no invented analysis";
  const auto silent = slurp(out / "run_1" / "silent_report.md");
  EXPECT_NE(silent.find("empty"), std::string::npos) << silent;
  EXPECT_EQ(silent.find("## Executive Summary"), std::string::npos);
  const auto metrics = read_json(out / "run_1" / "metrics.json");
  for (const auto& a : metrics["agents"]) {
    EXPECT_EQ(a["ok"].get<bool>(), a["agent"] == "good") << a.dump();
  }
}

TEST(RunWorkflow, NoServerStopsBeforeAnyWork) {
  const std::string artifacts = example_artifacts_dir();
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  auto r = run_chimera({"run", "--endpoint", "http://127.0.0.1:9", "--artifacts", artifacts,
                        "--output-dir", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("ollama serve"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--sim"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(RunWorkflow, UnknownPersonaOrProfileListsTheKnownOnes) {
  auto persona = run_chimera({"run", "--sim", "--data", ".", "--persona", "Nobody"});
  EXPECT_EQ(persona.exit_code, 2);
  EXPECT_NE(persona.err.find("InsightAgent"), std::string::npos) << persona.err;
  auto profile = run_chimera({"run", "--sim", "--data", ".", "--profile", "nope"});
  EXPECT_EQ(profile.exit_code, 2);
  EXPECT_NE(profile.err.find("chimera-optimized"), std::string::npos) << profile.err;
}

TEST(RunWorkflow, CtrlCKeepsFinishedRunsAndMarksTheOneInFlight) {
  const std::string artifacts = example_artifacts_dir();
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  ChildProcess child(chimera_binary(),
                     {"run", "--sim", "--sim-config", fixture("sim-slow.yaml"), "--artifacts",
                      artifacts, "--output-dir", out.string(), "--runs", "20", "--no-isolated",
                      "--option", "num_predict=40"});
  // Wait until run 2 has started, then interrupt.
  for (int i = 0; i < 600 && !fs::exists(out / "run_2"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(out / "run_2")) << child.stderr_text();
  child.send_signal(SIGINT);
  auto code = child.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 130) << child.stderr_text();
  EXPECT_FALSE(fs::exists(out / "run_1" / "INCOMPLETE.md"));
  EXPECT_TRUE(fs::exists(out / "run_1" / "combined_report.md"));
  EXPECT_TRUE(fs::exists(out / "run_2" / "INCOMPLETE.md"));
  const auto summary = read_json(out / "summary.json");
  EXPECT_FALSE(summary["complete"].get<bool>());
}

TEST(RunWorkflow, PipelineHandsTheCollectorsAnswerOn) {
  const std::string artifacts = example_artifacts_dir();
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--artifacts",
                        artifacts, "--output-dir", out.string(), "--pipeline"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = read_json(out / "run_1" / "metrics.json");
  ASSERT_EQ(metrics["agents"].size(), 2u);
  // The insight agent starts only when the collector has finished.
  EXPECT_GE(metrics["agents"][1]["start_ms"].get<double>(),
            metrics["agents"][0]["end_ms"].get<double>());
}

}  // namespace
}  // namespace chimera::testing
