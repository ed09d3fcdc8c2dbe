// Distributed sweeps end to end: the real `chimera` binary registers a sweep
// in a real PostgreSQL (started by the test), several `chimera worker`
// processes share its cells, each with its own simulator, and `chimera
// report` ranks the result. Also: a worker killed with -9 mid-cell, and
// `sweep --shard` with the index set the way Kubernetes and Slurm set it.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chimera/store/pg_db.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {

constexpr const char* kPassword = "s3cret-pw";

std::string fast_sim() {
  return source_dir() + "/tests/fixtures/sim-fast.yaml";
}

nlohmann::json parse(const ProcessResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

// A fresh database, addressed with a password (the test server trusts
// loopback, so any password is accepted and none may ever be printed).
std::string database_with_password(PostgresServer& server) {
  std::string error;
  auto url = server.create_database(&error);
  EXPECT_FALSE(url.empty()) << error;
  const auto at = url.find("chimera@");
  return url.replace(at, 8, std::string("chimera:") + kPassword + "@");
}

std::int64_t sql_count(const std::string& url, const std::string& sql) {
  auto conn = store::pg::Connection::open(url);
  EXPECT_TRUE(conn) << conn.error().message;
  auto r = conn->query(sql);
  EXPECT_TRUE(r) << r.error().message;
  return r->int64(0, 0);
}

// The grid of these tests: 2 models x 2 num_ctx x 2 temperatures = 8 cells.
std::vector<std::string> sweep_args(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--json",
                                "sweep",
                                "--sim",
                                "--sim-config",
                                fast_sim(),
                                "--model",
                                "gemma3:latest,llama3.1:8b-instruct-q4_0",
                                "--num-ctx",
                                "1024,2048",
                                "--temperature",
                                "0.2,0.4",
                                "--runs",
                                "2",
                                "--num-predict",
                                "20"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

nlohmann::json register_sweep(const std::string& url, const std::vector<std::string>& grid) {
  auto args = grid;
  args.insert(args.end(), {"--store", url, "--distributed"});
  auto r = run_chimera(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
  return parse(r);
}

std::unique_ptr<ChildProcess> start_worker(const std::string& url, std::int64_t sweep,
                                           const std::map<std::string, std::string>& env,
                                           const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"worker", "--store", url, "--sweep", std::to_string(sweep),
                                "--poll", "0.2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ChildProcess>(chimera_binary(), args, env);
}

// decode tok/s mean per configuration key, from a --json report or sweep.
std::map<std::string, double> decode_by_key(const nlohmann::json& report) {
  std::map<std::string, double> out;
  for (const auto& c : report["configurations"]) {
    EXPECT_EQ(out.count(c["key"]), 0u) << "configuration twice: " << c["key"];
    out[c["key"].get<std::string>()] = c["warm"]["decode_tps"]["mean"].get<double>();
  }
  return out;
}

void run_workers_and_compare(int workers) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = database_with_password(*server);
  const auto registered = register_sweep(url, sweep_args({}));
  ASSERT_TRUE(registered["created"].get<bool>());
  ASSERT_EQ(registered["cells"], 8);
  const auto sweep = registered["sweep_id"].get<std::int64_t>();
  // Registering the same sweep again is the same sweep.
  const auto again = register_sweep(url, sweep_args({}));
  EXPECT_FALSE(again["created"].get<bool>());
  EXPECT_EQ(again["sweep_id"], sweep);

  std::vector<std::unique_ptr<ChildProcess>> children;
  for (int i = 0; i < workers; ++i) {
    children.push_back(start_worker(url, sweep, {{"JOB_COMPLETION_INDEX", std::to_string(i)}}));
  }
  for (auto& child : children) {
    EXPECT_EQ(child->wait(std::chrono::seconds(240)), 0) << child->stderr_text();
    EXPECT_EQ(child->stdout_text().find(kPassword), std::string::npos);
    EXPECT_EQ(child->stderr_text().find(kPassword), std::string::npos);
  }
  // Every cell done once, by the workers named after their index.
  auto status = parse(run_chimera(
      {"--json", "sweep", "--status", "--store", url, "--sweep", std::to_string(sweep)}));
  EXPECT_EQ(status["done"], 8);
  EXPECT_EQ(status["pending"], 0);
  int done = 0;
  for (const auto& w : status["workers"]) {
    done += w["done"].get<int>();
    EXPECT_NE(w["worker"].get<std::string>().find(":i"), std::string::npos) << w;
  }
  EXPECT_EQ(done, 8);
  EXPECT_EQ(sql_count(url, "SELECT COUNT(*) FROM configurations"), 8);
  EXPECT_EQ(sql_count(url, "SELECT COUNT(*) FROM requests"), 8 * 3);  // 1 warm-up + 2 runs

  auto report = run_chimera({"--json", "report", "--store", url, "--run",
                             std::to_string(registered["run_id"].get<std::int64_t>())});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out.find(kPassword), std::string::npos);
  const auto distributed = decode_by_key(parse(report));
  // The same sweep in one process, without a store.
  auto single = run_chimera(sweep_args({"--no-store"}));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const auto local = decode_by_key(parse(single));
  ASSERT_EQ(distributed.size(), local.size());
  for (const auto& [key, tps] : local) {
    ASSERT_EQ(distributed.count(key), 1u) << key;
    // Same order of magnitude: timing on a loaded machine varies between runs.
    EXPECT_GT(distributed.at(key), tps / 2) << key;
    EXPECT_LT(distributed.at(key), tps * 2) << key;
  }
  const auto reported = parse(report);
  EXPECT_EQ(reported["configurations"].size(), 8u);
}

TEST(DistributedSweep, TwoWorkersRecordEveryCellOnceAndRankLikeOneProcess) {
  run_workers_and_compare(2);
}

TEST(DistributedSweep, FourWorkersRecordEveryCellOnceAndRankLikeOneProcess) {
  run_workers_and_compare(4);
}

TEST(DistributedSweep, AKilledWorkersCellIsRedoneAfterItsLease) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = database_with_password(*server);
  // About a second per cell (4 requests of 400 tokens at 2000 tok/s).
  std::vector<std::string> grid{
      "--json",          "sweep",  "--sim", "--sim-config",  fast_sim(), "--temperature",
      "0.1,0.2,0.3,0.4", "--runs", "3",     "--num-predict", "400"};
  const auto registered = register_sweep(url, grid);
  const auto sweep = registered["sweep_id"].get<std::int64_t>();
  auto victim = start_worker(url, sweep, {}, {"--lease", "2"});
  // Kill it while it holds the second cell (the first one is done).
  for (int i = 0; i < 400 && victim->stderr_text().find("cell 1 ") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_NE(victim->stderr_text().find("cell 1 "), std::string::npos) << victim->stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  victim->send_signal(SIGKILL);
  EXPECT_EQ(victim->wait(std::chrono::seconds(10)), 128 + SIGKILL);
  ASSERT_EQ(sql_count(url, "SELECT COUNT(*) FROM sweep_cells WHERE state = 'leased'"), 1);

  auto rescuer = start_worker(url, sweep, {}, {"--lease", "2"});
  EXPECT_EQ(rescuer->wait(std::chrono::seconds(120)), 0) << rescuer->stderr_text();
  EXPECT_EQ(sql_count(url, "SELECT COUNT(*) FROM sweep_cells WHERE state = 'done'"), 4);
  // The killed worker's cell was leased twice; its first attempt's rows stay
  // behind, not done, and the report reads the cell's finished attempt only.
  EXPECT_EQ(sql_count(url, "SELECT COUNT(*) FROM sweep_cells WHERE attempts = 2"), 1);
  EXPECT_EQ(sql_count(url, "SELECT COUNT(*) FROM configurations WHERE status = 'done'"), 4);
  EXPECT_EQ(sql_count(url,
                      "SELECT COUNT(*) FROM configurations c JOIN sweep_cells s ON "
                      "s.configuration_id = c.id"),
            4);
  TempDir dir;
  const std::string exported = dir.path() + "/sweep.jsonl";
  auto report =
      run_chimera({"--json", "report", "--store", url, "--run",
                   std::to_string(registered["run_id"].get<std::int64_t>()), "--output", exported});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto j = parse(report);
  ASSERT_EQ(j["configurations"].size(), 4u);
  // The export holds the finished attempts only: 4 cells x (1 warm-up + 3
  // runs), each id once, although the abandoned attempt's rows are stored.
  EXPECT_GT(sql_count(url, "SELECT COUNT(*) FROM requests"), 16);
  std::ifstream lines(exported);
  std::set<std::string> ids;
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_TRUE(ids.insert(nlohmann::json::parse(line)["id"].get<std::string>()).second) << line;
  }
  EXPECT_EQ(n, 16u);
  std::set<std::string> keys;
  for (const auto& c : j["configurations"]) {
    keys.insert(c["key"].get<std::string>());
    EXPECT_EQ(c["counts"]["ok"], 3) << c["key"];  // 3 runs, never more
    EXPECT_EQ(c["counts"]["warmup"], 1) << c["key"];
  }
  EXPECT_EQ(keys.size(), 4u);
  // The abandoned attempt is listed apart, once.
  ASSERT_EQ(j["warnings"].size(), 1u) << j["warnings"];
  EXPECT_NE(j["warnings"][0].get<std::string>().find("abandoned attempt"), std::string::npos)
      << j["warnings"];
}

TEST(DistributedSweep, NeedsPostgresql) {
  TempDir dir;
  auto r = run_chimera(sweep_args({"--store", dir.path() + "/s.sqlite", "--distributed"}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("distributed sweeps need PostgreSQL"), std::string::npos) << r.err;
  auto w = run_chimera({"worker", "--store", dir.path() + "/s.sqlite"});
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_NE(w.err.find("distributed sweeps need PostgreSQL"), std::string::npos) << w.err;
}

// Three processes as a Kubernetes Indexed Job or a Slurm array starts them:
// together they run the grid once, each a different part.
void shards_cover_the_grid(const std::vector<std::map<std::string, std::string>>& envs,
                           const std::string& shard) {
  TempDir dir;
  std::vector<std::unique_ptr<ChildProcess>> children;
  for (std::size_t i = 0; i < envs.size(); ++i) {
    children.push_back(std::make_unique<ChildProcess>(
        chimera_binary(), sweep_args({"--shard", shard, "--store", dir.path() + "/shard.sqlite"}),
        envs[i]));
  }
  std::multiset<std::string> keys;
  for (auto& child : children) {
    ASSERT_EQ(child->wait(std::chrono::seconds(120)), 0) << child->stderr_text();
    auto j = nlohmann::json::parse(child->stdout_text(), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << child->stdout_text();
    EXPECT_GE(j["configurations"].size(), 2u);
    for (const auto& c : j["configurations"]) keys.insert(c["key"].get<std::string>());
  }
  auto whole = run_chimera(sweep_args({"--no-store"}));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  std::multiset<std::string> all;
  const auto whole_json = parse(whole);
  for (const auto& c : whole_json["configurations"]) all.insert(c["key"].get<std::string>());
  EXPECT_EQ(keys, all);
}

TEST(ShardedSweep, KubernetesIndexedJob) {
  shards_cover_the_grid({{{"JOB_COMPLETION_INDEX", "0"}},
                         {{"JOB_COMPLETION_INDEX", "1"}},
                         {{"JOB_COMPLETION_INDEX", "2"}}},
                        "3");
}

TEST(ShardedSweep, SlurmArrayStartingAtOne) {
  std::vector<std::map<std::string, std::string>> envs;
  for (int id = 1; id <= 3; ++id) {
    envs.push_back({{"SLURM_ARRAY_TASK_ID", std::to_string(id)},
                    {"SLURM_ARRAY_TASK_MIN", "1"},
                    {"SLURM_ARRAY_TASK_COUNT", "3"}});
  }
  shards_cover_the_grid(envs, "auto");
}

TEST(ShardedSweep, BadShardIsAUsageError) {
  auto r = run_chimera(sweep_args({"--shard", "3/3", "--no-store"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("0..2"), std::string::npos) << r.err;
  auto missing = run_chimera(sweep_args({"--shard", "3", "--no-store"}));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("JOB_COMPLETION_INDEX"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace chimera::testing
