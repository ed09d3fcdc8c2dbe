// A PostgreSQL store whose server dies: a real `chimera bench` (and `chimera
// worker`) against a real server (tests/support/postgres_server) that the
// test kills with SIGKILL, with all its backends, in the middle of the run.
// Restarted within the reconnect limit, every request is stored exactly
// once and the run completes; left down past the limit, the command exits
// non-zero, says how many requests it could not store, keeps them in its
// exports, and never marks the run complete.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chimera/store/pg_db.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"
#include "support/run_files.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One value of a query, or -1 while the server does not answer.
long long sql_value(const std::string& url, const std::string& sql) {
  auto conn = store::pg::Connection::open(url);
  if (!conn) return -1;
  auto r = conn->query(sql);
  if (!r || r->rows() == 0) return -1;
  return r->int64(0, 0);
}

std::set<std::string> sql_keys(const std::string& url) {
  std::set<std::string> keys;
  auto conn = store::pg::Connection::open(url);
  EXPECT_TRUE(conn) << conn.error().message;
  if (!conn) return keys;
  auto r = conn->query("SELECT request_key FROM requests");
  EXPECT_TRUE(r) << r.error().message;
  for (int i = 0; r && i < r->rows(); ++i) keys.insert(r->text(i, 0));
  return keys;
}

// A server of its own (the shared one serves other tests), durable: a
// commit it acknowledged survives its SIGKILL, so what is missing after a
// restart is the client's doing.
std::unique_ptr<PostgresServer> own_server() {
  std::string error;
  PostgresOptions options;
  options.durable = true;
  auto server = PostgresServer::start(options, &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

// A simulator where each request takes 100 ms (20 tokens at 200 tokens/s),
// eight at a time: a bench of N requests lasts about N / 80 seconds.
// The bench runs at concurrency 8, so it warms up with 8 requests in flight
// (W = min(c, runs)); they are stored like the measured ones.
constexpr int kWarmups = 8;

std::vector<std::string> sim_args() {
  return {"--decode-tps", "200", "--parallel", "8", "--load-ms", "10", "--jitter", "0"};
}

std::vector<std::string> bench_args(const std::string& sim_url, const std::string& store, int runs,
                                    const std::string& reconnect_s, const fs::path& dir) {
  return {"bench",
          "--endpoint",
          sim_url,
          "--runs",
          std::to_string(runs),
          "--concurrency",
          "8",
          "--num-predict",
          "20",
          "--store",
          store,
          "--store-reconnect",
          reconnect_s,
          "--output",
          (dir / "b.json").string(),
          "--output",
          (dir / "b.jsonl").string()};
}

int measured_ok(const fs::path& json) {
  const auto report = nlohmann::json::parse(slurp(json), nullptr, false);
  EXPECT_FALSE(report.is_discarded()) << json;
  if (report.is_discarded()) return -1;
  return report["configurations"][0]["counts"]["ok"].get<int>();
}

TEST(StoreOutage, PostgresKilledAndRestartedMidBenchStoresEveryRequestOnce) {
  if (PostgresServer::find_binaries().empty()) GTEST_SKIP() << "no PostgreSQL binaries";
  auto server = own_server();
  ASSERT_NE(server, nullptr);
  const auto url = server->create_database();
  ASSERT_FALSE(url.empty());
  SimProcess sim(sim_args());
  TempDir dir;
  constexpr int kRuns = 600;
  ChildProcess bench(chimera_binary(), bench_args(sim.url(), url, kRuns, "30", dir.path()));
  const std::string count = "SELECT COUNT(*) FROM requests";
  ASSERT_TRUE(wait_until([&] { return sql_value(url, count) >= 100; }, 30s)) << bench.stderr_text();
  server->kill_hard();
  std::this_thread::sleep_for(1s);  // the bench keeps measuring meanwhile
  std::string error;
  ASSERT_TRUE(server->restart(&error)) << error;
  const auto code = bench.wait(120s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << bench.stderr_text();
  // Every request once: nothing lost in the outage, nothing written twice by
  // the batches sent again.
  EXPECT_EQ(sql_value(url, count), kRuns + kWarmups);
  EXPECT_EQ(sql_keys(url), bench_ids(kRuns, kWarmups));
  EXPECT_EQ(sql_value(url, "SELECT COUNT(*) FROM runs WHERE status = 'complete'"), 1);
  EXPECT_EQ(ids_in_jsonl(fs::path(dir.path()) / "b.jsonl"), bench_ids(kRuns, kWarmups));
  EXPECT_EQ(measured_ok(fs::path(dir.path()) / "b.json"), kRuns);
}

TEST(StoreOutage, PostgresDownPastTheReconnectLimitFailsAndKeepsTheRequests) {
  if (PostgresServer::find_binaries().empty()) GTEST_SKIP() << "no PostgreSQL binaries";
  auto server = own_server();
  ASSERT_NE(server, nullptr);
  const auto url = server->create_database();
  ASSERT_FALSE(url.empty());
  SimProcess sim(sim_args());
  TempDir dir;
  constexpr int kRuns = 240;
  ChildProcess bench(chimera_binary(), bench_args(sim.url(), url, kRuns, "1", dir.path()));
  ASSERT_TRUE(
      wait_until([&] { return sql_value(url, "SELECT COUNT(*) FROM requests") >= 40; }, 30s))
      << bench.stderr_text();
  server->kill_hard();  // and not back before the bench ends
  const auto code = bench.wait(120s);
  ASSERT_TRUE(code.has_value());
  const auto err = bench.stderr_text();
  EXPECT_EQ(*code, 1) << err;
  EXPECT_NE(err.find("reconnect limit"), std::string::npos) << err;
  static const std::regex stated(R"((\d+) request\(s\) are not stored)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, stated)) << err;
  const auto unstored = std::stoll(m[1].str());
  EXPECT_GT(unstored, 0);

  std::string error;
  ASSERT_TRUE(server->restart(&error)) << error;
  const auto stored = sql_keys(url);
  EXPECT_EQ(static_cast<long long>(stored.size()) + unstored, kRuns + kWarmups);
  EXPECT_EQ(sql_value(url, "SELECT COUNT(*) FROM requests"), static_cast<long long>(stored.size()));
  EXPECT_EQ(sql_value(url, "SELECT COUNT(*) FROM runs WHERE status = 'complete'"), 0);
  // The export holds the requests the store lacks (the stored ones could not
  // be read back from the lost server): together, every request once.
  const auto exported = ids_in_jsonl(fs::path(dir.path()) / "b.jsonl");
  EXPECT_EQ(static_cast<long long>(exported.size()), unstored);
  std::set<std::string> all = stored;
  for (const auto& id : exported) EXPECT_TRUE(all.insert(id).second) << id << " is in both";
  EXPECT_EQ(all, bench_ids(kRuns, kWarmups));
  EXPECT_EQ(measured_ok(fs::path(dir.path()) / "b.json"), kRuns);
}

TEST(StoreOutage, WorkerWaitsOutAPostgresRestartAndFinishesTheSweep) {
  if (PostgresServer::find_binaries().empty()) GTEST_SKIP() << "no PostgreSQL binaries";
  auto server = own_server();
  ASSERT_NE(server, nullptr);
  const auto url = server->create_database();
  ASSERT_FALSE(url.empty());
  // 8 cells of 4 requests (and a warm-up: concurrency 1) at 150 tokens/s:
  // several seconds.
  constexpr int kCells = 8, kRuns = 4, kCellWarmups = 1;
  auto registered = run_chimera(
      {"sweep", "--sim", "--sim-config", source_dir() + "/tests/fixtures/sim-slow.yaml", "--model",
       "gemma3:latest", "--num-ctx", "1024,2048", "--temperature", "0.2,0.4", "--top-k", "20,40",
       "--runs", std::to_string(kRuns), "--num-predict", "20", "--store", url, "--distributed"});
  ASSERT_EQ(registered.exit_code, 0) << registered.err;
  ChildProcess worker(chimera_binary(), {"worker", "--store", url, "--store-reconnect", "30"});
  const std::string done = "SELECT COUNT(*) FROM sweep_cells WHERE state = 'done'";
  ASSERT_TRUE(wait_until([&] { return sql_value(url, done) >= 1; }, 60s)) << worker.stderr_text();
  ASSERT_LT(sql_value(url, done), kCells) << "the sweep ended before the outage";
  server->kill_hard();
  std::this_thread::sleep_for(1s);
  std::string error;
  ASSERT_TRUE(server->restart(&error)) << error;
  const auto code = worker.wait(120s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << worker.stderr_text();
  EXPECT_EQ(sql_value(url, done), kCells);
  // Each cell's configuration holds its requests once.
  EXPECT_EQ(sql_value(url,
                      "SELECT COUNT(*) FROM requests r JOIN sweep_cells c ON "
                      "c.configuration_id = r.configuration_id"),
            kCells * (kRuns + kCellWarmups));
  EXPECT_EQ(sql_value(url,
                      "SELECT COUNT(*) FROM (SELECT DISTINCT r.configuration_id, "
                      "r.request_key FROM requests r JOIN sweep_cells c ON "
                      "c.configuration_id = r.configuration_id) d"),
            kCells * (kRuns + kCellWarmups));
}

}  // namespace
}  // namespace chimera::testing
