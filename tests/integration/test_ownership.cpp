// One owner at a time, over real processes against `chimera sim`: a second
// `chimera run` into a run directory in use is refused with the owner's pid
// and host; two identical sweeps into one SQLite store measure each cell
// once; a run resumed after kill -9 continues the same stored run; a bench
// resumed after kill -9 measures only its remaining requests, with ids of
// its own.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "chimera/store/store.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string slow_sim() {
  return source_dir() + "/tests/fixtures/sim-slow.yaml";
}

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::unique_ptr<store::ResultStore> open(const fs::path& path) {
  auto s = store::open_store(path.string());
  EXPECT_TRUE(s) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

// Every stored request id of a run, each id with how often it is stored.
std::map<std::string, int> stored_ids(store::ResultStore& db, std::int64_t run_id) {
  std::map<std::string, int> ids;
  auto n = db.requests(run_id, std::nullopt,
                       [&](std::int64_t, const measure::RequestResult& r) { ++ids[r.id]; });
  EXPECT_TRUE(n) << n.error().message;
  return ids;
}

template <typename Ready>
bool wait_until(Ready ready, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return ready();
}

std::size_t lines_mentioning(const fs::path& path, const std::string& needle) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(Ownership, ASecondRunIntoTheSameDirectoryIsRefusedAndAResumeContinuesTheStoredRun) {
  SimProcess sim({"--config", slow_sim()});
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  const std::vector<std::string> args{"run",
                                      "--endpoint",
                                      sim.url(),
                                      "--artifacts",
                                      source_dir() + "/examples/artifacts",
                                      "--output-dir",
                                      out.string(),
                                      "--runs",
                                      "2",
                                      "--option",
                                      "num_predict=60",
                                      "--baseline-runs",
                                      "1"};
  auto with_resume = args;
  with_resume.push_back("--resume");
  ChildProcess first(chimera_binary(), args);
  // Run 1 finished and run 2 under way (some of its requests written).
  ASSERT_TRUE(wait_until(
      [&] {
        return fs::exists(out / "run_2") && lines_mentioning(out / "requests.jsonl", "\"run\":2");
      },
      std::chrono::seconds(60)))
      << first.stderr_text();

  // A second process, resuming or not, is refused while the first one runs,
  // and names it; the first one's files are left alone.
  const auto lines_before = lines_mentioning(out / "requests.jsonl", "\"id\"");
  for (const auto& second_args : {args, with_resume}) {
    auto second = run_chimera(second_args);
    EXPECT_EQ(second.exit_code, 1) << second.err;
    EXPECT_NE(second.err.find("in use by another chimera run"), std::string::npos) << second.err;
    EXPECT_NE(second.err.find(fmt::format("process {} on host {}", first.pid(), this_host())),
              std::string::npos)
        << second.err;
  }
  EXPECT_GE(lines_mentioning(out / "requests.jsonl", "\"id\""), lines_before);

  first.send_signal(SIGKILL);
  ASSERT_EQ(first.wait(std::chrono::seconds(10)), 128 + SIGKILL);
  // The lock dies with its process: the resume is accepted.
  auto resumed = run_chimera(with_resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("continuing run"), std::string::npos) << resumed.err;
  EXPECT_FALSE(fs::exists(out / ".chimera-run.lock"));

  // The store: one run, complete, holding both runs once each, with exactly
  // the requests requests.jsonl lists.
  auto db = open(out / "results.sqlite");
  ASSERT_NE(db, nullptr);
  const auto runs = db->runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  const auto& run = runs->front();
  EXPECT_EQ(run.status, store::RunStatus::kComplete);
  std::map<std::string, int> jsonl_ids;
  std::ifstream in(out / "requests.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    ++jsonl_ids[j["id"].get<std::string>()];
    EXPECT_EQ(j["store_run_id"].get<std::int64_t>(), run.id) << line;
  }
  const auto ids = stored_ids(*db, run.id);
  EXPECT_EQ(ids, jsonl_ids);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  const auto agents = db->agent_results(run.id);
  ASSERT_TRUE(agents);
  std::map<int, std::set<std::string>> agents_by_run;
  std::size_t rows = 0;
  for (const auto& a : *agents) agents_by_run[a.run_index].insert(a.agent), ++rows;
  ASSERT_EQ(agents_by_run.size(), 2u);
  EXPECT_EQ(agents_by_run[1], agents_by_run[2]);
  EXPECT_EQ(rows, agents_by_run[1].size() * 2);  // no agent stored twice for a run
  auto configurations = db->configurations(run.id);
  ASSERT_TRUE(configurations);
  std::set<std::string> keys;
  for (const auto& c : *configurations) EXPECT_TRUE(keys.insert(c.key).second) << c.key;
  for (int r = 1; r <= 2; ++r) {
    const auto prefix = fmt::format("run{}|", r);
    const auto it = keys.lower_bound(prefix);
    ASSERT_TRUE(it != keys.end() && it->starts_with(prefix)) << prefix;
  }

  // `report --store` reads both runs from that one stored run.
  auto report = run_chimera({"--json", "report", "--store", (out / "results.sqlite").string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto j = nlohmann::json::parse(report.out);
  std::set<std::string> reported;
  for (const auto& c : j["configurations"]) reported.insert(c["key"].get<std::string>());
  EXPECT_EQ(reported, keys);
}

std::vector<std::string> sweep_args(const std::string& url, const std::string& store) {
  return {"--json",  "sweep", "--endpoint", url, "--temperature", "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8",
          "--runs",  "2",     "--warmup",   "1", "--num-predict", "20",
          "--store", store};
}

TEST(Ownership, TwoIdenticalSweepsIntoOneSqliteStoreMeasureEachCellOnce) {
  SimProcess sim({"--config", slow_sim()});
  TempDir dir;
  const std::string store = dir.path() + "/s.sqlite";
  const auto args = sweep_args(sim.url(), store);
  ChildProcess a(chimera_binary(), args);
  ChildProcess b(chimera_binary(), args);
  const auto code_a = a.wait(std::chrono::seconds(120));
  const auto code_b = b.wait(std::chrono::seconds(120));
  ASSERT_TRUE(code_a && code_b);
  // Exactly one measured; the other was refused, naming the owner.
  ASSERT_EQ(std::min(*code_a, *code_b), 0) << a.stderr_text() << b.stderr_text();
  ASSERT_EQ(std::max(*code_a, *code_b), 1) << a.stderr_text() << b.stderr_text();
  ChildProcess& owner = *code_a == 0 ? a : b;
  ChildProcess& refused = *code_a == 0 ? b : a;
  const auto err = refused.stderr_text();
  EXPECT_NE(err.find("the same sweep is already running"), std::string::npos) << err;
  EXPECT_NE(err.find(fmt::format("process {} on host {}", owner.pid(), this_host())),
            std::string::npos)
      << err;

  auto db = open(store);
  ASSERT_NE(db, nullptr);
  const auto runs = db->runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  const auto configurations = db->configurations(runs->front().id);
  ASSERT_TRUE(configurations);
  EXPECT_EQ(configurations->size(), 8u);  // the grid's size
  std::map<std::int64_t, int> per_configuration;
  auto n =
      db->requests(runs->front().id, std::nullopt,
                   [&](std::int64_t c, const measure::RequestResult&) { ++per_configuration[c]; });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 8u * 3u);  // 1 warm-up + 2 runs per cell, none measured twice
  for (const auto& [c, count] : per_configuration) EXPECT_EQ(count, 3) << c;
  for (const auto& [id, count] : stored_ids(*db, runs->front().id)) EXPECT_EQ(count, 1) << id;
  EXPECT_FALSE(fs::exists(store + ".sweep-" + runs->front().fingerprint + ".lock"));
}

TEST(Ownership, ABenchKilledMidwayResumesItsRemainingRequestsWithIdsOfTheirOwn) {
  SimProcess sim({"--config", slow_sim()});
  TempDir dir;
  const fs::path store = fs::path(dir.path()) / "b.sqlite";
  const std::vector<std::string> args{"--json",        "bench", "--endpoint", sim.url(),
                                      "--runs",        "8",     "--warmup",   "1",
                                      "--num-predict", "60",    "--store",    store.string()};
  std::set<std::string> before;
  {
    ChildProcess child(chimera_binary(), args);
    // Three measured requests stored (of eight), then kill -9.
    ASSERT_TRUE(wait_until(
        [&] {
          if (!fs::exists(store)) return false;
          auto db = store::open_store(store.string());
          if (!db) return false;
          auto latest = (*db)->latest_run_id();
          if (!latest || !*latest) return false;
          std::size_t measured = 0;
          (void)(*db)->requests(
              **latest, std::nullopt,
              [&](std::int64_t, const measure::RequestResult& r) { measured += r.warmup ? 0 : 1; });
          return measured >= 3;
        },
        std::chrono::seconds(60)))
        << child.stderr_text();
    child.send_signal(SIGKILL);
    ASSERT_EQ(child.wait(std::chrono::seconds(10)), 128 + SIGKILL);
  }
  {
    auto db = open(store);
    ASSERT_NE(db, nullptr);
    for (const auto& [id, n] : stored_ids(*db, *db->latest_run_id().value())) before.insert(id);
  }
  ASSERT_FALSE(before.empty());

  auto resumed = run_chimera(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed unfinished bench run"), std::string::npos) << resumed.err;
  const auto j = nlohmann::json::parse(resumed.out);
  ASSERT_EQ(j["configurations"].size(), 1u);
  EXPECT_EQ(j["configurations"][0]["counts"]["ok"], 8);  // the remaining ones only

  auto db = open(store);
  ASSERT_NE(db, nullptr);
  const auto runs = db->runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().status, store::RunStatus::kComplete);
  const auto ids = stored_ids(*db, runs->front().id);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  for (const auto& id : before) EXPECT_TRUE(ids.contains(id)) << id << " was lost";
  std::size_t second_attempt = 0;
  for (const auto& [id, n] : ids) second_attempt += id.starts_with("c1r2-");
  EXPECT_EQ(second_attempt, ids.size() - before.size());
  EXPECT_GT(second_attempt, 0u);
}

}  // namespace
}  // namespace chimera::testing
