// The honesty test: speedup and efficiency are measured against isolated
// baselines, so they see contention that the original's metric could not.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

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

// Two agents with fixed service times: each decodes a fixed number of tokens.
std::string write_pair_scenario(const std::string& dir, const std::string& ctx_a,
                                const std::string& ctx_b) {
  const std::string path = dir + "/pair.yaml";
  std::ofstream(path)
      << "profiles:\n"
         "  fixed-a: {model: gemma3:latest, options: {num_predict: 120, seed: 1, num_ctx: "
      << ctx_a
      << "}}\n"
         "  fixed-b: {model: gemma3:latest, options: {num_predict: 120, seed: 2, num_ctx: "
      << ctx_b
      << "}}\n"
         "agents:\n"
         "  a: {persona: DataCollector-9000, profile: fixed-a}\n"
         "  b: {persona: DataCollector-9000, profile: fixed-b}\n"
         "scenarios:\n"
         "  pair: [a, b]\n";
  return path;
}

nlohmann::json run_pair(const std::string& dir, const std::string& scenario,
                        const std::string& sim_flag, const std::string& sim_config) {
  const std::string out = dir + "/out" + sim_flag;
  auto r =
      run_chimera({"run", sim_flag, "--sim-config", fixture(sim_config), "--data",
                   source_dir() + "/tests/fixtures", "--scenario", scenario, "--output-dir", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_json(fs::path(out) / "run_1" / "metrics.json")["concurrency"];
}

TEST(Honesty, SeparateEndpointsRunInParallel) {
  TempDir dir;
  const auto scenario = write_pair_scenario(dir.path(), "1024", "1024");
  const auto c = run_pair(dir.path(), scenario, "--sim", "sim-honest.yaml");
  ASSERT_FALSE(c.is_null());
  EXPECT_NEAR(c["efficiency"].get<double>(), 1.0, 0.08) << c.dump(2);
  EXPECT_NEAR(c["speedup"].get<double>(), 2.0, 0.16);
  EXPECT_FALSE(c["contention"].get<bool>());
}

TEST(Honesty, OneSingleSlotEndpointIsContention) {
  TempDir dir;
  const auto scenario = write_pair_scenario(dir.path(), "1024", "1024");
  const auto c = run_pair(dir.path(), scenario, "--sim-shared", "sim-honest.yaml");
  ASSERT_FALSE(c.is_null());
  // One slot serves both: the concurrent run takes as long as both alone, so
  // efficiency is about 1/N = 50% (the original's metric reported 75% here).
  EXPECT_NEAR(c["efficiency"].get<double>(), 0.5, 0.08) << c.dump(2);
  EXPECT_TRUE(c["contention"].get<bool>());
  EXPECT_NE(c["verdict"].get<std::string>().find("contention"), std::string::npos);
}

TEST(Honesty, AModelReloadCausedByRunningTogetherIsContention) {
  TempDir dir;
  // Different num_ctx on one server: the concurrent run must reload the model.
  const auto scenario = write_pair_scenario(dir.path(), "1024", "2048");
  const auto c = run_pair(dir.path(), scenario, "--sim-shared", "sim-honest.yaml");
  ASSERT_FALSE(c.is_null());
  EXPECT_TRUE(c["reload_in_concurrent_run"].get<bool>()) << c.dump(2);
  EXPECT_TRUE(c["contention"].get<bool>());
  EXPECT_TRUE(c["reload_contention"].get<bool>());
  EXPECT_TRUE(c["verdict"].get<std::string>().starts_with("contention (model reloads)"))
      << c["verdict"];
  EXPECT_NE(c["verdict"].get<std::string>().find("num_ctx (a 1024, b 2048)"), std::string::npos)
      << c["verdict"];
}

TEST(Honesty, OneBaselineRepetitionLeavesStabilityUnknown) {
  TempDir dir;
  const auto scenario = write_pair_scenario(dir.path(), "1024", "1024");
  const std::string out = dir.path() + "/out";
  auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-honest.yaml"), "--data",
                        source_dir() + "/tests/fixtures", "--scenario", scenario, "--baseline-runs",
                        "1", "--output-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = read_json(fs::path(out) / "run_1" / "metrics.json")["concurrency"];
  EXPECT_TRUE(c["baseline_stable"].is_null()) << c.dump(2);
  EXPECT_NE(c["baseline_stability_note"].get<std::string>().find("--baseline-runs 1"),
            std::string::npos);
  EXPECT_NE(r.out.find("baseline stability unknown"), std::string::npos) << r.out;
}

TEST(Scenarios, FiveAgentDagRunsEndToEnd) {
  TempDir dir;
  const std::string out = dir.path() + "/out";
  auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--data",
                        source_dir() + "/tests/fixtures", "--scenario",
                        fixture("scenario-five.yaml"), "--output-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = read_json(fs::path(out) / "run_1" / "metrics.json");
  ASSERT_EQ(m["agents"].size(), 5u);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& a : m["agents"]) by_name[a["agent"]] = a;
  // Dependents start after their inputs finish; independent collectors overlap.
  EXPECT_GE(by_name["insight-x"]["start_ms"].get<double>(),
            by_name["collector-a"]["end_ms"].get<double>());
  EXPECT_GE(by_name["insight-x"]["start_ms"].get<double>(),
            by_name["collector-b"]["end_ms"].get<double>());
  EXPECT_GE(by_name["insight-y"]["start_ms"].get<double>(),
            by_name["collector-c"]["end_ms"].get<double>());
  EXPECT_LT(by_name["collector-b"]["start_ms"].get<double>(),
            by_name["collector-a"]["end_ms"].get<double>());
  for (const auto& name : {"collector-a", "insight-x"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / "run_1" / (std::string(name) + "_report.md")));
  }
}

TEST(Scenarios, BuiltInScenariosRun) {
  TempDir dir;
  for (const char* scenario : {"baseline_vs_chimera", "chimera_hetero", "chimera_homo"}) {
    const std::string out = dir.path() + "/" + scenario;
    auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--data",
                          source_dir() + "/tests/fixtures", "--scenario", scenario, "--output-dir",
                          out});
    ASSERT_EQ(r.exit_code, 0) << scenario << r.err;
    const auto m = read_json(fs::path(out) / "run_1" / "metrics.json");
    EXPECT_EQ(m["agents"].size(), 2u) << scenario;
    EXPECT_FALSE(m["concurrency"].is_null()) << scenario;
  }
}

}  // namespace
}  // namespace chimera::testing

namespace chimera::testing {
namespace {

// Per-endpoint permits: with --permits 1 the coordinator holds the second
// agent's call back, so the single-slot server never has to queue it.
double max_queue_ms(const std::string& sim_url) {
  auto truth = nlohmann::json::parse(http_request("GET", sim_url + "/sim/requests").body);
  double worst = 0;
  for (const auto& t : truth) worst = std::max(worst, t["queue_ms"].get<double>());
  return worst;
}

TEST(Permits, OnePermitPerEndpointKeepsTheServerQueueEmpty) {
  TempDir dir;
  const auto scenario = write_pair_scenario(dir.path(), "1024", "1024");
  for (const bool limited : {false, true}) {
    SimProcess sim({"--config", fixture("sim-honest.yaml")});
    std::vector<std::string> args{"run",
                                  "--endpoint",
                                  sim.url(),
                                  "--data",
                                  source_dir() + "/tests/fixtures",
                                  "--scenario",
                                  scenario,
                                  "--no-isolated",
                                  "--output-dir",
                                  dir.path() + (limited ? "/limited" : "/free")};
    if (limited) {
      args.push_back("--permits");
      args.push_back("1");
    }
    auto r = run_chimera(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (limited) {
      EXPECT_LT(max_queue_ms(sim.url()), 5.0);
    } else {
      EXPECT_GT(max_queue_ms(sim.url()), 100.0);
    }
  }
}

}  // namespace
}  // namespace chimera::testing

// Concurrency figures checked against the simulator's truth: what each
// server saw of every request (received, done), per agent and per phase.
namespace chimera::testing {
namespace {

struct AgentDef {
  std::string name;
  int tokens = 0;
  std::string endpoint;  // empty: --sim gives it its own simulator
  std::vector<std::string> depends_on;
};

// One profile per agent (its own num_predict and seed), one scenario.
std::string write_scenario(const std::string& dir, const std::vector<AgentDef>& agents) {
  const std::string path = dir + "/scenario.yaml";
  std::ofstream out(path);
  out << "profiles:\n";
  for (std::size_t i = 0; i < agents.size(); ++i) {
    out << "  p-" << agents[i].name
        << ": {model: gemma3:latest, options: {num_predict: " << agents[i].tokens
        << ", seed: " << i + 1 << "}}\n";
  }
  out << "agents:\n";
  for (const auto& a : agents) {
    out << "  " << a.name << ": {persona: DataCollector-9000, profile: p-" << a.name;
    if (!a.endpoint.empty()) out << ", endpoint: \"" << a.endpoint << "\"";
    if (!a.depends_on.empty()) {
      out << ", depends_on: [";
      for (std::size_t i = 0; i < a.depends_on.size(); ++i)
        out << (i ? ", " : "") << a.depends_on[i];
      out << "]";
    }
    out << "}\n";
  }
  out << "scenarios:\n  measured: [";
  for (std::size_t i = 0; i < agents.size(); ++i) out << (i ? ", " : "") << agents[i].name;
  out << "]\n";
  return path;
}

// `chimera run` on the project's example artifacts; returns the output directory.
std::string run_scenario(const std::string& dir, const std::string& scenario,
                         std::vector<std::string> extra = {}, std::string* console = nullptr) {
  const std::string out = dir + "/out";
  std::vector<std::string> args{
      "run",          "--scenario", scenario, "--artifacts", source_dir() + "/examples/artifacts",
      "--output-dir", out};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_chimera(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (console != nullptr) *console = r.out;
  return out;
}

nlohmann::json concurrency_of(const std::string& out, int run = 1) {
  return read_json(fs::path(out) / ("run_" + std::to_string(run)) / "metrics.json")["concurrency"];
}

std::vector<nlohmann::json> requests_of(const std::string& out, const std::string& agent) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(fs::path(out) / "requests.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["agent"] == agent) rows.push_back(std::move(j));
  }
  return rows;
}

// The server's records in arrival order, optionally only those that decoded
// `tokens` tokens (how agents sharing one server are told apart).
std::vector<nlohmann::json> truth_of(const std::string& url, int tokens = 0) {
  auto all = nlohmann::json::parse(http_request("GET", url + "/sim/requests").body);
  std::vector<nlohmann::json> rows;
  for (auto& t : all) {
    if (tokens == 0 || t["eval_count"].get<int>() == tokens) rows.push_back(t);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a["received_ns"].template get<std::int64_t>() <
           b["received_ns"].template get<std::int64_t>();
  });
  return rows;
}

// What the server saw of one agent: its requests are sequential, so its
// requests.jsonl rows (in order) and its truth records (by arrival) pair up.
struct AgentTruth {
  double isolated_ms = 0;    // median over the isolated repetitions (two: their mean)
  double concurrent_ms = 0;  // first received to last done in the concurrent phase
  std::vector<double> shape_penalties_measured;  // penalties paid by measured (non-warm-up) calls
  double slowdown() const { return concurrent_ms / isolated_ms; }
};

AgentTruth agent_truth(const std::vector<nlohmann::json>& requests,
                       const std::vector<nlohmann::json>& truth) {
  AgentTruth out;
  EXPECT_EQ(requests.size(), truth.size());
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> spans;  // phase key → first, last
  for (std::size_t i = 0; i < std::min(requests.size(), truth.size()); ++i) {
    const auto& r = requests[i];
    if (r["warmup"].get<bool>()) continue;
    const auto id = r["id"].get<std::string>();
    // "r1-isolated2-quick-analysis": the repetition is the id's first two parts.
    const std::string key =
        r["phase"] == "isolated" ? id.substr(0, id.find('-', id.find('-') + 1)) : "concurrent";
    const auto received = truth[i]["received_ns"].get<std::int64_t>();
    const auto done = truth[i]["done_ns"].get<std::int64_t>();
    auto [it, fresh] = spans.try_emplace(key, received, done);
    if (!fresh)
      it->second = {std::min(it->second.first, received), std::max(it->second.second, done)};
    out.shape_penalties_measured.push_back(truth[i]["engine"]["shape_penalty_ms"].get<double>());
  }
  std::vector<double> isolated;
  for (const auto& [key, span] : spans) {
    const double ms = static_cast<double>(span.second - span.first) / 1e6;
    (key == "concurrent" ? out.concurrent_ms : isolated.emplace_back()) = ms;
  }
  for (double v : isolated) out.isolated_ms += v / static_cast<double>(isolated.size());
  return out;
}

// The simulator's side of the figures: W* = max T_i, W = the longest agent
// span in the concurrent phase (independent agents all start at once).
double truth_efficiency(const std::vector<AgentTruth>& agents) {
  double path = 0, wall = 0;
  for (const auto& a : agents) {
    path = std::max(path, a.isolated_ms);
    wall = std::max(wall, a.concurrent_ms);
  }
  return path / wall;
}

double agent_slowdown(const nlohmann::json& c, const std::string& name) {
  for (const auto& a : c["agents"]) {
    if (a["name"] == name) return a["slowdown"].get<double>();
  }
  ADD_FAILURE() << "no agent " << name << " in " << c.dump(2);
  return 0;
}

TEST(Concurrency, UnequalAgentsOnSeparateServersAreNotContention) {
  TempDir dir;
  SimProcess quick_sim({"--config", fixture("sim-concurrency.yaml")});
  SimProcess long_sim({"--config", fixture("sim-concurrency.yaml")});
  const auto scenario = write_scenario(
      dir.path(), {{"quick", 40, quick_sim.url(), {}}, {"long", 400, long_sim.url(), {}}});
  const auto out = run_scenario(dir.path(), scenario);
  const auto c = concurrency_of(out);
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  const double efficiency = c["efficiency"].get<double>();
  const std::vector<AgentTruth> truth{
      agent_truth(requests_of(out, "quick"), truth_of(quick_sim.url())),
      agent_truth(requests_of(out, "long"), truth_of(long_sim.url()))};
  std::cout << "unequal pair: efficiency " << efficiency << " (truth " << truth_efficiency(truth)
            << "), efficiency_vs_n " << c["efficiency_vs_n"] << ", verdict: " << c["verdict"]
            << "\n";
  EXPECT_GE(efficiency, 0.98) << c.dump(2);
  EXPECT_NEAR(efficiency, truth_efficiency(truth), 0.02);
  EXPECT_FALSE(c["contention"].get<bool>());
  EXPECT_TRUE(c["baseline_stable"].get<bool>());
  EXPECT_EQ(c["verdict"].get<std::string>().rfind("no contention", 0), 0u) << c["verdict"];
  // The original's figure reads the imbalance as if it were contention.
  EXPECT_NEAR(c["efficiency_vs_n"].get<double>(), 0.59, 0.06);
  EXPECT_NEAR(c["efficiency_vs_n"].get<double>(), c["speedup"].get<double>() / 2, 1e-9);
  EXPECT_EQ(c["agents"].size(), 2u);
  // A 100 ms agent gains some ms of scheduling noise on a loaded machine: each
  // agent's time together stays within 15% of its own time alone, or within
  // the noise floor of the critical path (5%), as the verdict's rule allows.
  const double floor_ms = 0.05 * c["critical_path_ms"].get<double>();
  for (const auto& a : c["agents"]) {
    const double alone = a["isolated_ms"].get<double>();
    EXPECT_LE(std::abs(a["concurrent_ms"].get<double>() - alone), std::max(0.15 * alone, floor_ms))
        << a;
  }
  std::ifstream report(fs::path(out) / "run_1" / "combined_report.md");
  const std::string md((std::istreambuf_iterator<char>(report)), {});
  EXPECT_NE(md.find("efficiency_vs_n (speedup / N, the original's figure)"), std::string::npos);
  const auto summary = read_json(fs::path(out) / "summary.json")["concurrency"];
  EXPECT_EQ(summary["efficiency"]["n"], 1);
  EXPECT_DOUBLE_EQ(summary["efficiency"]["mean"].get<double>(), efficiency);
  EXPECT_EQ(summary["contention_runs"], 0);
}

// The pair that shares one server: 200 and 400 tokens, told apart on the
// server by the tokens each decoded.
std::vector<AgentTruth> shared_pair_truth(const std::string& out, const std::string& url) {
  return {agent_truth(requests_of(out, "short"), truth_of(url, 200)),
          agent_truth(requests_of(out, "long"), truth_of(url, 400))};
}

TEST(Concurrency, OneSingleSlotServerIsContention) {
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-concurrency.yaml")});
  const auto scenario =
      write_scenario(dir.path(), {{"short", 200, sim.url(), {}}, {"long", 400, sim.url(), {}}});
  std::string console;
  const auto out = run_scenario(dir.path(), scenario, {}, &console);
  const auto c = concurrency_of(out);
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  const auto truth = shared_pair_truth(out, sim.url());
  // The console says the same as metrics.json: the efficiency and the verdict.
  EXPECT_NE(console.find(fmt::format("efficiency {:.1f}%", c["efficiency"].get<double>() * 100)),
            std::string::npos)
      << console;
  EXPECT_NE(console.find("run 1: " + c["verdict"].get<std::string>()), std::string::npos)
      << console;
  std::cout << "single-slot pair: efficiency " << c["efficiency"] << " (truth "
            << truth_efficiency(truth) << "), slowdowns " << agent_slowdown(c, "short") << "/"
            << agent_slowdown(c, "long") << " (truth " << truth[0].slowdown() << "/"
            << truth[1].slowdown() << "), verdict: " << c["verdict"] << "\n";
  EXPECT_TRUE(c["contention"].get<bool>()) << c.dump(2);
  EXPECT_LT(c["efficiency"].get<double>(), 0.8);
  EXPECT_NEAR(c["efficiency"].get<double>(), truth_efficiency(truth), 0.03);
  // The agent that waited for the slot: the slower of the two on the server.
  const std::size_t waiting = truth[0].slowdown() > truth[1].slowdown() ? 0 : 1;
  const std::string name = waiting == 0 ? "short" : "long";
  EXPECT_GT(truth[waiting].slowdown(), 1.2);
  EXPECT_NEAR(agent_slowdown(c, name), truth[waiting].slowdown(), 0.05 * truth[waiting].slowdown());
  EXPECT_NE(c["verdict"].get<std::string>().find(name + " ran"), std::string::npos) << c["verdict"];
}

TEST(Concurrency, OneBatchingServerFallsBetweenSeparateAndSingleSlot) {
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-batching.yaml")});
  const auto scenario =
      write_scenario(dir.path(), {{"short", 200, sim.url(), {}}, {"long", 400, sim.url(), {}}});
  std::string console;
  const auto out = run_scenario(dir.path(), scenario, {}, &console);
  const auto c = concurrency_of(out);
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  const auto truth = shared_pair_truth(out, sim.url());
  // The console says the same as metrics.json: the efficiency and the verdict.
  EXPECT_NE(console.find(fmt::format("efficiency {:.1f}%", c["efficiency"].get<double>() * 100)),
            std::string::npos)
      << console;
  EXPECT_NE(console.find("run 1: " + c["verdict"].get<std::string>()), std::string::npos)
      << console;
  const double efficiency = c["efficiency"].get<double>();
  std::cout << "batching pair: efficiency " << efficiency << " (truth " << truth_efficiency(truth)
            << "), slowdowns " << agent_slowdown(c, "short") << "/" << agent_slowdown(c, "long")
            << " (truth " << truth[0].slowdown() << "/" << truth[1].slowdown()
            << "), verdict: " << c["verdict"] << "\n";
  // Between one slot (about 0.67 for this pair) and separate servers (1.0).
  EXPECT_GT(efficiency, 0.72) << c.dump(2);
  EXPECT_LT(efficiency, 0.95);
  EXPECT_NEAR(efficiency, truth_efficiency(truth), 0.03);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string name = i == 0 ? "short" : "long";
    EXPECT_NEAR(agent_slowdown(c, name), truth[i].slowdown(), 0.05 * truth[i].slowdown());
  }
  // Both decoded at 0.8 of the single-request rate while the other did.
  const auto tokens = truth_of(sim.url(), 200).back()["engine"]["tokens_by_batch"];
  EXPECT_TRUE(tokens.contains("2")) << tokens;
}

TEST(Concurrency, TheMeasuredWarmUpPaysTheFirstOfAShapePenalty) {
  TempDir dir;
  SimProcess a_sim({"--config", fixture("sim-shape-penalty.yaml")});
  SimProcess b_sim({"--config", fixture("sim-shape-penalty.yaml")});
  const auto scenario =
      write_scenario(dir.path(), {{"a", 200, a_sim.url(), {}}, {"b", 200, b_sim.url(), {}}});
  const auto out = run_scenario(dir.path(), scenario);
  const auto c = concurrency_of(out);
  EXPECT_TRUE(c["baseline_stable"].get<bool>()) << c.dump(2);
  for (const auto& [name, url] : {std::pair{"a", a_sim.url()}, std::pair{"b", b_sim.url()}}) {
    const auto truth = agent_truth(requests_of(out, name), truth_of(url));
    for (double penalty : truth.shape_penalties_measured) EXPECT_EQ(penalty, 0) << name;
  }
}

TEST(Concurrency, WithoutWarmUpTheFirstOfAShapePenaltyMakesTheBaselineUnstable) {
  TempDir dir;
  SimProcess a_sim({"--config", fixture("sim-shape-penalty.yaml")});
  SimProcess b_sim({"--config", fixture("sim-shape-penalty.yaml")});
  const auto scenario =
      write_scenario(dir.path(), {{"a", 200, a_sim.url(), {}}, {"b", 200, b_sim.url(), {}}});
  const auto out = run_scenario(dir.path(), scenario, {"--warmup", "0"});
  const auto c = concurrency_of(out);
  std::cout << "no warm-up: " << c["verdict"] << "\n";
  EXPECT_FALSE(c["baseline_stable"].get<bool>()) << c.dump(2);
  EXPECT_FALSE(c["contention"].get<bool>());
  EXPECT_EQ(c["verdict"].get<std::string>().rfind("inconclusive: baseline unstable", 0), 0u)
      << c["verdict"];
  const auto truth = agent_truth(requests_of(out, "a"), truth_of(a_sim.url()));
  EXPECT_GT(*std::max_element(truth.shape_penalties_measured.begin(),
                              truth.shape_penalties_measured.end()),
            0);
  EXPECT_EQ(read_json(fs::path(out) / "summary.json")["concurrency"]["unstable_runs"], 1);
}

// critical_path_ms = the longest chain of isolated times through depends_on.
double isolated_of(const nlohmann::json& c, const std::string& name) {
  for (const auto& a : c["agents"]) {
    if (a["name"] == name) return a["isolated_ms"].get<double>();
  }
  ADD_FAILURE() << "no agent " << name;
  return 0;
}

TEST(Concurrency, PipelineCriticalPathIsTheSumAlongTheChain) {
  TempDir dir;
  const auto scenario = write_scenario(
      dir.path(), {{"first", 60, "", {}}, {"second", 90, "", {"first"}}, {"aside", 40, "", {}}});
  const auto out = run_scenario(dir.path(), scenario,
                                {"--sim", "--sim-config", fixture("sim-fast.yaml"), "--runs", "2"});
  for (int run : {1, 2}) {
    const auto c = concurrency_of(out, run);
    ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
    const double chain = isolated_of(c, "first") + isolated_of(c, "second");
    EXPECT_NEAR(c["critical_path_ms"].get<double>(), std::max(chain, isolated_of(c, "aside")),
                1e-6);
    EXPECT_GT(chain, isolated_of(c, "aside"));
    EXPECT_NEAR(c["ideal_speedup"].get<double>(), c["sum_isolated_ms"].get<double>() / chain, 1e-9);
  }
  // The phases swap places every other run.
  EXPECT_EQ(concurrency_of(out, 1)["phase_order"], "isolated, then concurrent");
  EXPECT_EQ(concurrency_of(out, 2)["phase_order"], "concurrent, then isolated");
  const auto summary = read_json(fs::path(out) / "summary.json")["concurrency"];
  EXPECT_EQ(summary["critical_path_ms"]["n"], 2);
  EXPECT_FALSE(summary["critical_path_ms"]["ci95_low"].is_null());
}

TEST(Concurrency, DagCriticalPathIsTheLongestChain) {
  TempDir dir;
  const std::string out = dir.path() + "/out";
  auto r = run_chimera({"run", "--sim", "--sim-config", fixture("sim-fast.yaml"), "--artifacts",
                        source_dir() + "/examples/artifacts", "--scenario",
                        fixture("scenario-five.yaml"), "--output-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = concurrency_of(out);
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  const double x = std::max(isolated_of(c, "collector-a"), isolated_of(c, "collector-b")) +
                   isolated_of(c, "insight-x");
  const double y = isolated_of(c, "collector-c") + isolated_of(c, "insight-y");
  EXPECT_NEAR(c["critical_path_ms"].get<double>(), std::max(x, y), 1e-6);
  EXPECT_GE(c["efficiency"].get<double>(), 0.85) << c.dump(2);
}

TEST(Concurrency, SixtyFourAgentsOfMixedLengthsOnSeparateServers) {
  TempDir dir;
  std::vector<AgentDef> agents;
  for (int i = 0; i < 64; ++i)
    agents.push_back({"agent-" + std::to_string(i), 16 << (i % 4), "", {}});
  const auto scenario = write_scenario(dir.path(), agents);
  const auto out =
      run_scenario(dir.path(), scenario, {"--sim", "--sim-config", fixture("sim-fast.yaml")});
  const auto c = concurrency_of(out);
  ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
  ASSERT_EQ(c["agents"].size(), 64u);
  double longest = 0;
  for (const auto& a : c["agents"]) longest = std::max(longest, a["isolated_ms"].get<double>());
  EXPECT_NEAR(c["critical_path_ms"].get<double>(), longest, 1e-6);
  EXPECT_NEAR(c["efficiency_vs_n"].get<double>(), c["speedup"].get<double>() / 64, 1e-9);
  std::cout << "64 agents: efficiency " << c["efficiency"] << ", verdict: " << c["verdict"] << "\n";
  // The shape allows about 33x (ΣT_i / max T_i), less than N: efficiency_vs_n
  // cannot reach 100% even without contention, efficiency can.
  EXPECT_GT(c["ideal_speedup"].get<double>(), 20);
  EXPECT_LT(c["ideal_speedup"].get<double>(), 40);
  // 64 servers and the client share the test machine's cores with 128
  // streams of short calls: the machine itself contends (more so under a
  // sanitizer), so how high the efficiency gets is the benchmark's to measure
  // (docs/PERFORMANCE.md), on an idle machine. Here: a ratio in its range.
  EXPECT_GT(c["efficiency"].get<double>(), 0) << c.dump(2);
  EXPECT_LE(c["efficiency"].get<double>(), 1.1) << c.dump(2);
}

TEST(Concurrency, AnInterruptedRunPrintsNoFiguresForWhatNeverRan) {
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  ChildProcess child(chimera_binary(),
                     {"run", "--sim", "--sim-config", fixture("sim-slow.yaml"), "--artifacts",
                      source_dir() + "/examples/artifacts", "--output-dir", out.string(),
                      "--option", "num_predict=60"});
  // The warm-up pass is written when it ends: interrupt in the isolated phase.
  auto warmed_up = [&] {
    std::ifstream in(out / "requests.jsonl");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.find("\"phase\":\"warmup\"") != std::string::npos;
  };
  for (int i = 0; i < 600 && !warmed_up(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(warmed_up()) << child.stderr_text();
  child.send_signal(SIGINT);
  auto code = child.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 130) << child.stderr_text();
  std::ifstream in(out / "run_1" / "combined_report.md");
  const std::string md((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(md.find("0.0 ms (measured)"), std::string::npos) << md;
  EXPECT_EQ(md.find("0.00x"), std::string::npos) << md;
  EXPECT_NE(md.find("n/a (interrupted"), std::string::npos) << md;
  const auto c = concurrency_of(out.string());
  EXPECT_FALSE(c["measured"].get<bool>());
  EXPECT_EQ(c["verdict"].get<std::string>().rfind("not measured", 0), 0u) << c["verdict"];
}

TEST(Concurrency, BadBaselineRunsIsRefusedBeforeAnythingRuns) {
  TempDir dir;
  const std::string out = dir.path() + "/out";
  auto r = run_chimera({"run", "--sim", "--baseline-runs", "0", "--output-dir", out});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--baseline-runs"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace chimera::testing
