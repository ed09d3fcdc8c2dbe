// Warm-ups cover every shape that is then measured, checked against the
// simulator's truth: an engine whose first step at a new batch size stalls
// (batch_penalty_ms) pays that stall in the warm-up of `chimera run` (the
// concurrent phase, once, before run 1 and again after --resume) and of
// `chimera bench` (a burst at the measured concurrency), never in a measured
// request.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/http_get.hpp"
#include "support/process.hpp"
#include "support/run_files.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// The server's records in arrival order.
std::vector<json> truth_of(const std::string& url) {
  auto all = json::parse(http_request("GET", url + "/sim/requests").body);
  std::vector<json> rows(all.begin(), all.end());
  std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a["received_ns"].get<std::int64_t>() < b["received_ns"].get<std::int64_t>();
  });
  return rows;
}

double penalty_paid(const json& truth) {
  return truth["engine"]["batch_penalty_ms"].get<double>();
}

// --- chimera run ----------------------------------------------------------------

// Two equal agents: the same profile, so the same work, on one server.
std::string write_equal_pair(const std::string& dir) {
  const std::string path = dir + "/equal.yaml";
  std::ofstream(path) << "profiles:\n"
                         "  equal: {model: gemma3:latest, options: {num_predict: 100, seed: 1}}\n"
                         "agents:\n"
                         "  a: {persona: DataCollector-9000, profile: equal}\n"
                         "  b: {persona: DataCollector-9000, profile: equal}\n"
                         "scenarios:\n"
                         "  equal: [a, b]\n";
  return path;
}

std::vector<std::string> run_args(const std::string& url, const std::string& scenario,
                                  const std::string& out, int runs) {
  return {"run",
          "--endpoint",
          url,
          "--scenario",
          scenario,
          "--artifacts",
          source_dir() + "/examples/artifacts",
          "--output-dir",
          out,
          "--runs",
          std::to_string(runs)};
}

// One execution of the run (a warm-up pass, an isolated repetition, a
// concurrent phase): its requests' ids share the part before "-<agent>-".
struct Execution {
  std::string key;  // "r1-warmup1", "r1-warmup-concurrent", "r1-isolated2", "r1"
  std::string phase;
  std::vector<json> truth;  // the server's records of its requests
};

// Executions run one after another, so the server's records, in arrival
// order, split into them by the number of requests.jsonl gives each. The
// server saw runs `from_run` and later.
std::vector<Execution> executions(const std::string& out, const std::vector<json>& truth,
                                  int from_run = 1) {
  std::vector<Execution> list;
  std::map<std::string, std::size_t> counts;
  std::ifstream in(fs::path(out) / "requests.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto row = json::parse(line);
    if (row["run"].get<int>() < from_run) continue;
    const auto id = row["id"].get<std::string>();
    const auto agent = row["agent"].get<std::string>();
    const auto key = id.substr(0, id.rfind("-" + agent + "-"));
    if (list.empty() || list.back().key != key) {
      EXPECT_EQ(counts.count(key), 0u) << "execution " << key << " is not contiguous";
      list.push_back({key, row["phase"].get<std::string>(), {}});
    }
    ++counts[key];
  }
  std::size_t next = 0;
  for (auto& e : list) {
    for (std::size_t i = 0; i < counts[e.key] && next < truth.size(); ++i) {
      e.truth.push_back(truth[next++]);
    }
  }
  EXPECT_EQ(next, truth.size()) << "requests.jsonl and the server disagree on the count";
  return list;
}

int max_batch(const Execution& e) {
  int most = 0;
  for (const auto& t : e.truth) most = std::max(most, t["engine"]["batch_max"].get<int>());
  return most;
}

double penalty_in(const Execution& e) {
  double sum = 0;
  for (const auto& t : e.truth) sum += penalty_paid(t);
  return sum;
}

TEST(RunWarmup, TheConcurrentWarmUpPaysTheFirstBatchSoEqualAgentsReadNoContention) {
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-batch-penalty.yaml")});
  const std::string out = dir.path() + "/out";
  auto r = run_chimera(run_args(sim.url(), write_equal_pair(dir.path()), out, 2));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  for (int run : {1, 2}) {
    const auto c =
        read_json(fs::path(out) / ("run_" + std::to_string(run)) / "metrics.json")["concurrency"];
    ASSERT_TRUE(c["measured"].get<bool>()) << c.dump(2);
    std::cout << "equal agents, continuous batching, batch_penalty_ms 3000: run " << run
              << " efficiency " << c["efficiency"] << ", verdict: " << c["verdict"] << "\n";
    EXPECT_GE(c["efficiency"].get<double>(), 0.95) << c.dump(2);
    EXPECT_FALSE(c["contention"].get<bool>()) << c.dump(2);
  }

  const auto list = executions(out, truth_of(sim.url()));
  // The first two requests decoding together in the server's life are the
  // concurrent warm-up's: everything before it ran one at a time. Without it
  // the first step at batch 2 would be run 1's concurrent phase, the first
  // measured execution that runs the agents together.
  bool warmed_up = false;
  for (const auto& e : list) {
    if (e.key == "r1-warmup-concurrent") {
      warmed_up = true;
      EXPECT_EQ(e.phase, "warmup");
      EXPECT_EQ(max_batch(e), 2);
      EXPECT_GE(penalty_in(e), 3000.0) << "the warm-up paid the stall";
      continue;
    }
    if (!warmed_up) {
      EXPECT_EQ(max_batch(e), 1) << e.key << " ran before the concurrent warm-up";
    }
    // No measured request, nor any later warm-up, paid it.
    EXPECT_EQ(penalty_in(e), 0.0) << e.key;
    if (e.phase == "concurrent") {
      EXPECT_EQ(max_batch(e), 2) << e.key << ": the measured phase decodes two at once";
    }
  }
  EXPECT_TRUE(warmed_up);
  // Once per process: run 2 has no concurrent warm-up of its own.
  for (const auto& e : list) EXPECT_NE(e.key, "r2-warmup-concurrent");
}

TEST(RunWarmup, WithoutAnyWarmUpTheFirstBatchLandsInRunOnesConcurrentPhase) {
  TempDir dir;
  SimProcess sim({"--config", fixture("sim-batch-penalty.yaml")});
  const std::string out = dir.path() + "/out";
  auto args = run_args(sim.url(), write_equal_pair(dir.path()), out, 1);
  args.insert(args.end(), {"--warmup", "0"});
  auto r = run_chimera(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = read_json(fs::path(out) / "run_1" / "metrics.json")["concurrency"];
  std::cout << "no warm-up: run 1 efficiency " << c["efficiency"] << ", verdict: " << c["verdict"]
            << "\n";
  // About 0.8 s of work stretched by a 3 s stall.
  EXPECT_LT(c["efficiency"].get<double>(), 0.5) << c.dump(2);
  for (const auto& e : executions(out, truth_of(sim.url()))) {
    if (e.phase == "concurrent") {
      EXPECT_GE(penalty_in(e), 3000.0) << "the measured phase paid the stall";
    } else {
      EXPECT_EQ(penalty_in(e), 0.0) << e.key;
    }
  }
}

TEST(RunWarmup, AResumedRunWarmsUpTheConcurrentPhaseAgain) {
  TempDir dir;
  const std::string scenario = write_equal_pair(dir.path());
  const std::string out = dir.path() + "/out";
  {
    SimProcess first({"--config", fixture("sim-batch-penalty.yaml")});
    ASSERT_EQ(run_chimera(run_args(first.url(), scenario, out, 1)).exit_code, 0);
  }
  // A new server (a restarted engine has paid nothing): run 2, resumed, pays
  // its first batch in its own concurrent warm-up.
  SimProcess second({"--config", fixture("sim-batch-penalty.yaml")});
  auto args = run_args(second.url(), scenario, out, 2);
  args.push_back("--resume");
  auto r = run_chimera(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = read_json(fs::path(out) / "run_2" / "metrics.json")["concurrency"];
  std::cout << "resumed run 2: efficiency " << c["efficiency"] << "\n";
  EXPECT_GE(c["efficiency"].get<double>(), 0.95) << c.dump(2);
  EXPECT_FALSE(c["contention"].get<bool>());
  // The second server saw run 2 only.
  bool warmed_up = false;
  for (const auto& e : executions(out, truth_of(second.url()), 2)) {
    if (e.key == "r2-warmup-concurrent") {
      warmed_up = true;
      EXPECT_GE(penalty_in(e), 3000.0);
    } else {
      EXPECT_EQ(penalty_in(e), 0.0) << e.key;
    }
  }
  EXPECT_TRUE(warmed_up);
}

// --- chimera bench ----------------------------------------------------------------

const std::vector<std::string> kBenchSim{
    "--parallel", "4", "--model",
    "gemma3:latest,batching=continuous,batch_alpha=0,decode_tps=500,load_ms=20,"
    "prefill_tps=100000,batch_penalty_ms=1000"};

ProcessResult bench(const std::string& url, std::vector<std::string> extra) {
  std::vector<std::string> args{"--json", "bench", "--endpoint",    url,  "--concurrency", "4",
                                "--runs", "8",     "--num-predict", "40", "--no-store"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_chimera(args);
}

TEST(BenchWarmup, ABurstAtTheMeasuredConcurrencyPaysEveryNewBatchSize) {
  SimProcess sim(kBenchSim);
  auto r = bench(sim.url(), {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  // By default as many warm-ups as measured requests in flight: min(4, 8).
  EXPECT_EQ(j["configurations"][0]["counts"]["warmup"], 4);
  const auto truth = truth_of(sim.url());
  ASSERT_EQ(truth.size(), 12u);
  // The warm-ups finish before the first measured request: the first four.
  std::set<int> paid_buckets;
  for (std::size_t i = 0; i < 4; ++i) {
    for (const auto& p : truth[i]["engine"]["batch_penalties"]) {
      paid_buckets.insert(p["bucket"].get<int>());
    }
  }
  EXPECT_EQ(paid_buckets, (std::set<int>{2, 4}));
  int measured_batch = 0;
  for (std::size_t i = 4; i < truth.size(); ++i) {
    EXPECT_EQ(penalty_paid(truth[i]), 0.0) << truth[i].dump();
    measured_batch = std::max(measured_batch, truth[i]["engine"]["batch_max"].get<int>());
  }
  EXPECT_GE(measured_batch, 3) << "the measured requests ran in the buckets the warm-up paid";
}

TEST(BenchWarmup, ASequentialWarmUpLeavesTheStallToTheMeasuredRequestsAndSaysSo) {
  SimProcess sim(kBenchSim);
  auto r = bench(sim.url(), {"--warmup", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the warm-up ran 1 request(s) at once, the measured requests up to 4"),
            std::string::npos)
      << r.err;
  const auto truth = truth_of(sim.url());
  ASSERT_EQ(truth.size(), 9u);
  EXPECT_EQ(penalty_paid(truth[0]), 0.0);
  double measured = 0;
  for (std::size_t i = 1; i < truth.size(); ++i) measured += penalty_paid(truth[i]);
  EXPECT_GE(measured, 1000.0);
}

TEST(BenchWarmup, AtARateTheWarmUpFollowsThatRateForUpToThreeSeconds) {
  SimProcess sim(kBenchSim);
  // 20 requests at 20/s last 1 s: the warm-up is 20/s for 1 s, ⌈20 · 1⌉ = 20 requests.
  auto r = run_chimera({"--json", "bench", "--endpoint", sim.url(), "--rate", "20", "--requests",
                        "20", "--arrival", "constant", "--num-predict", "5", "--no-store"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["configurations"][0]["counts"]["warmup"], 20);
  const auto truth = truth_of(sim.url());
  ASSERT_EQ(truth.size(), 40u);
  // Sent at the rate, not at once: the 20 warm-ups span about 0.95 s.
  const double span_s = static_cast<double>(truth[19]["received_ns"].get<std::int64_t>() -
                                            truth[0]["received_ns"].get<std::int64_t>()) /
                        1e9;
  EXPECT_NEAR(span_s, 0.95, 0.2);
}

}  // namespace
}  // namespace chimera::testing
