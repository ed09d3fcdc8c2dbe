#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "chimera/store/schema.hpp"
#include "chimera/store/store.hpp"
#include "support/process.hpp"

namespace chimera::store {
namespace {

measure::RequestResult make_request(int i, bool warmup = false) {
  measure::RequestResult r;
  r.id = "req-" + std::to_string(i);
  r.backend = "ollama";
  r.endpoint = "http://127.0.0.1:11434";
  r.api = "generate";
  r.model = "gemma3:latest";
  r.options = {{"num_ctx", 1024}};
  r.warmup = warmup;
  r.server.eval_count = 4;
  r.server.eval_ms = 30.0 + i;
  r.server.total_ms = 90.0;
  r.server.load_ms = 1.5;
  measure::Timeline t;
  t.text_chunk_ms = {50.0 + i, 60.0 + i, 71.0 + i, 83.0 + i};
  measure::finalize(r, t);
  return r;
}

std::unique_ptr<ResultStore> open_or_die(const std::string& url) {
  auto store = open_store(url);
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return store ? std::move(*store) : nullptr;
}

std::string sqlite_scalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(StoreUrl, AcceptedForms) {
  EXPECT_EQ(parse_store_url("results.sqlite")->target, "results.sqlite");
  EXPECT_EQ(parse_store_url("sqlite:///abs/path.db")->target, "/abs/path.db");
  EXPECT_EQ(parse_store_url("sqlite:relative.db")->target, "relative.db");
  EXPECT_EQ(parse_store_url("postgresql://u@h/db")->kind, StoreLocation::Kind::kPostgresql);
  EXPECT_FALSE(parse_store_url("redis://host"));
  EXPECT_FALSE(parse_store_url("sqlite:"));
  EXPECT_FALSE(parse_store_url(""));
}

TEST(StoreUrl, PostgresqlIsAClearFailure) {
  auto store = open_store("postgresql://chimera@db.example/results");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("PostgreSQL store is not available in this build"),
            std::string::npos);
}

TEST(SqliteStore, UnopenablePathSaysWhichFile) {
  auto store = open_store("/nonexistent-directory/for/sure/results.sqlite");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(
                "Could not open results store '/nonexistent-directory/for/sure/results.sqlite'"),
            std::string::npos)
      << store.error().message;
}

TEST(SqliteStore, RoundTripsRunsConfigurationsAndRequests) {
  testing::TempDir dir;
  const auto path = dir.path() + "/results.sqlite";
  auto store = open_or_die("sqlite://" + path);
  ASSERT_TRUE(store);

  RunInfo info;
  info.kind = RunKind::kSweep;
  info.fingerprint = "abc";
  info.simulated = true;
  info.args = {{"runs", 3}};
  info.tool_version = "0.1.0";
  const auto run_id = *store->begin_run(info);
  ConfigurationRecord c;
  c.ordinal = 0;
  c.key = R"({"num_ctx":1024})";
  c.label = "num_ctx=1024";
  c.backend = "ollama";
  c.model = "gemma3:latest";
  c.options = {{"num_ctx", 1024}};
  const auto c0 = *store->add_configuration(run_id, c);
  c.ordinal = 1;
  c.label = "num_ctx=2048";
  const auto c1 = *store->add_configuration(run_id, c);

  ASSERT_TRUE(store->record_request(run_id, c0, make_request(0, true)));
  ASSERT_TRUE(store->record_request(run_id, c1, make_request(1)));
  ASSERT_TRUE(store->record_request(run_id, c0, make_request(2)));
  ASSERT_TRUE(store->set_configuration_status(c0, ConfigurationStatus::kDone));
  ASSERT_TRUE(store->finish_run(run_id, RunStatus::kComplete, "2026-01-01T00:00:00.000Z"));

  // Reopen: everything came from the file.
  store.reset();
  store = open_or_die(path);
  const auto runs = *store->runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].kind, RunKind::kSweep);
  EXPECT_EQ(runs[0].status, RunStatus::kComplete);
  EXPECT_EQ(runs[0].finished_at, "2026-01-01T00:00:00.000Z");
  EXPECT_TRUE(runs[0].simulated);
  EXPECT_EQ(runs[0].args["runs"], 3);
  EXPECT_FALSE(runs[0].started_at.empty());
  EXPECT_EQ(*store->latest_run_id(), run_id);

  const auto configs = *store->configurations(run_id);
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].status, ConfigurationStatus::kDone);
  EXPECT_EQ(configs[1].status, ConfigurationStatus::kPending);
  EXPECT_EQ(configs[1].label, "num_ctx=2048");
  EXPECT_EQ(configs[0].options["num_ctx"], 1024);

  std::vector<std::pair<std::int64_t, measure::RequestResult>> seen;
  const auto count = store->requests(run_id, std::nullopt,
                                     [&](auto cid, const auto& r) { seen.emplace_back(cid, r); });
  ASSERT_EQ(*count, 3u);
  // Configuration order first, then the order requests finished in.
  EXPECT_EQ(seen[0].second.id, "req-0");
  EXPECT_TRUE(seen[0].second.warmup);
  EXPECT_EQ(seen[1].second.id, "req-2");
  EXPECT_EQ(seen[2].first, c1);
  const auto original = make_request(2);
  EXPECT_EQ(seen[1].second.itl_ms, original.itl_ms);  // raw samples kept
  EXPECT_EQ(*seen[1].second.ttft_ms, *original.ttft_ms);
  EXPECT_EQ(*seen[1].second.decode_tps, *original.decode_tps);
  EXPECT_EQ(*store->request_count(c0), 2u);

  std::size_t only_c1 = 0;
  ASSERT_TRUE(store->requests(run_id, c1, [&](auto, const auto&) { ++only_c1; }));
  EXPECT_EQ(only_c1, 1u);
  EXPECT_FALSE(store->run(run_id + 100));
}

TEST(SqliteStore, UsesWalAndRecordsTheSchemaVersion) {
  testing::TempDir dir;
  const auto path = dir.path() + "/wal.sqlite";
  { auto store = open_or_die(path); }
  EXPECT_EQ(sqlite_scalar(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sqlite_scalar(path, "SELECT version FROM schema_version"),
            std::to_string(current_schema_version()));
  // Opening again does not migrate twice.
  { auto store = open_or_die(path); }
  EXPECT_EQ(sqlite_scalar(path, "SELECT COUNT(*) FROM schema_version"), "1");
}

TEST(SqliteStore, RefusesANewerSchema) {
  testing::TempDir dir;
  const auto path = dir.path() + "/future.sqlite";
  { auto store = open_or_die(path); }
  sqlite_scalar(path, "UPDATE schema_version SET version = 999");
  auto store = open_store(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("schema version 999"), std::string::npos)
      << store.error().message;
}

TEST(SqliteStore, FindsOnlyUnfinishedRunsWithTheSameFingerprint) {
  auto store = open_or_die(":memory:");
  RunInfo sweep{.kind = RunKind::kSweep, .fingerprint = "grid-1"};
  const auto done = *store->begin_run(sweep);
  ASSERT_TRUE(store->finish_run(done, RunStatus::kComplete));
  EXPECT_FALSE(*store->find_resumable_run(RunKind::kSweep, "grid-1"));

  const auto crashed = *store->begin_run(sweep);  // still "running": the process died
  EXPECT_EQ(*store->find_resumable_run(RunKind::kSweep, "grid-1"), crashed);
  ASSERT_TRUE(store->finish_run(crashed, RunStatus::kInterrupted));
  EXPECT_EQ(*store->find_resumable_run(RunKind::kSweep, "grid-1"), crashed);
  EXPECT_FALSE(*store->find_resumable_run(RunKind::kSweep, "grid-2"));
  EXPECT_FALSE(*store->find_resumable_run(RunKind::kBench, "grid-1"));
  ASSERT_TRUE(store->reopen_run(crashed));
  EXPECT_EQ(store->run(crashed)->status, RunStatus::kRunning);
  EXPECT_TRUE(store->run(crashed)->finished_at.empty());
}

TEST(SqliteStore, SequenceContinuesAfterReopen) {
  testing::TempDir dir;
  const auto path = dir.path() + "/seq.sqlite";
  std::int64_t run_id = 0;
  std::int64_t config_id = 0;
  {
    auto store = open_or_die(path);
    run_id = *store->begin_run({});
    config_id = *store->add_configuration(run_id, {.label = "a"});
    ASSERT_TRUE(store->record_request(run_id, config_id, make_request(0)));
  }
  auto store = open_or_die(path);
  ASSERT_TRUE(store->record_request(run_id, config_id, make_request(1)));
  EXPECT_EQ(sqlite_scalar(path, "SELECT group_concat(seq) FROM requests"), "1,2");
}

TEST(SqliteStore, ConcurrentWritersLoseNothing) {
  auto store = open_or_die(":memory:");
  const auto run_id = *store->begin_run({});
  const auto config_id = *store->add_configuration(run_id, {.label = "a"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(store->record_request(run_id, config_id, make_request(t * 1000 + i)));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store->request_count(config_id), 400u);
}

TEST(SqliteStore, InventoriesAndAgents) {
  auto store = open_or_die(":memory:");
  const auto run_id = *store->begin_run({.kind = RunKind::kRun});
  EXPECT_FALSE(*store->inventory(run_id));
  ASSERT_TRUE(store->save_inventory(run_id, {{"files", 3}}));
  ASSERT_TRUE(store->save_inventory(run_id, {{"files", 4}}));  // replaces
  EXPECT_EQ((**store->inventory(run_id))["files"], 4);
  AgentRecord a{.run_index = 1,
                .agent = "DataCollector-9000",
                .persona = "collector",
                .profile = "chimera-agent-a",
                .model = "gemma3:latest",
                .metrics = {{"decode_tps", 101.5}},
                .report_path = "run_1/a.md"};
  ASSERT_TRUE(store->save_agent_result(run_id, a));
  const auto agents = *store->agent_results(run_id);
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].agent, "DataCollector-9000");
  EXPECT_EQ(agents[0].metrics["decode_tps"], 101.5);
  EXPECT_EQ(agents[0].report_path, "run_1/a.md");
}

// A child process records requests in a loop and reports each one after
// record_request() returned; it is then killed with SIGKILL mid-loop. Every
// request it reported must be in the file, intact.
TEST(SqliteStore, SurvivesKillDashNine) {
  testing::TempDir dir;
  const auto path = dir.path() + "/killed.sqlite";
  std::int64_t run_id = 0;
  std::int64_t config_id = 0;
  {
    auto store = open_or_die(path);
    run_id = *store->begin_run({.kind = RunKind::kSweep, .fingerprint = "f"});
    config_id = *store->add_configuration(run_id, {.label = "a"});
  }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    auto store = open_store(path);
    if (!store) _exit(2);
    for (std::int32_t i = 0;; ++i) {
      if (!(*store)->record_request(run_id, config_id, make_request(i))) _exit(3);
      if (write(acks[1], &i, sizeof i) != sizeof i) _exit(4);
    }
  }
  close(acks[1]);
  std::int32_t last_acked = -1;
  while (last_acked < 300) {
    std::int32_t i = 0;
    ASSERT_EQ(read(acks[0], &i, sizeof i), static_cast<ssize_t>(sizeof i));
    last_acked = i;
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(acks[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto store = open_or_die(path);
  std::int32_t expected = 0;
  ASSERT_TRUE(store->requests(run_id, config_id, [&](auto, const measure::RequestResult& r) {
    const auto original = make_request(expected);
    EXPECT_EQ(r.id, original.id);
    EXPECT_EQ(r.itl_ms, original.itl_ms);
    ++expected;
  }));
  // Every acknowledged request, plus at most the one committed but not yet reported.
  EXPECT_GE(expected, last_acked + 1);
  EXPECT_LE(expected, last_acked + 2);
  EXPECT_EQ(*store->find_resumable_run(RunKind::kSweep, "f"), run_id);
}

}  // namespace
}  // namespace chimera::store
