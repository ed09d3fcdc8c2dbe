// The store conformance suite: every test runs on SQLite and on PostgreSQL
// with the same calls and expects the same results.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "chimera/store/pg_db.hpp"
#include "chimera/store/postgres_store.hpp"
#include "chimera/store/schema.hpp"
#include "store_test_util.hpp"

namespace chimera::store {

std::string raw_scalar(const std::string& url, const std::string& sql) {
  const auto location = parse_store_url(url);
  if (!location) return "";
  if (location->kind == StoreLocation::Kind::kPostgresql) {
    auto conn = pg::Connection::open(location->target);
    if (!conn) return "connect failed: " + conn.error().message;
    auto r = conn->query(sql);
    if (!r) return "query failed: " + r.error().message;
    return r->rows() > 0 ? r->text(0, 0) : "";
  }
  sqlite3* db = nullptr;
  sqlite3_open(location->target.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

namespace {

INSTANTIATE_TEST_SUITE_P(BothStores, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(StoreTest, RoundTripsRunsConfigurationsAndRequests) {
  auto store = open_or_die(url_);
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

  // Reopen: everything came from the database.
  store.reset();
  store = open_or_die(url_);
  const auto runs = *store->runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].kind, RunKind::kSweep);
  EXPECT_EQ(runs[0].status, RunStatus::kComplete);
  EXPECT_EQ(runs[0].finished_at, "2026-01-01T00:00:00.000Z");
  EXPECT_TRUE(runs[0].simulated);
  EXPECT_EQ(runs[0].args["runs"], 3);
  EXPECT_EQ(runs[0].tool_version, "0.1.0");
  EXPECT_FALSE(runs[0].started_at.empty());
  EXPECT_EQ(*store->latest_run_id(), run_id);

  const auto configs = *store->configurations(run_id);
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].status, ConfigurationStatus::kDone);
  EXPECT_EQ(configs[1].status, ConfigurationStatus::kPending);
  EXPECT_EQ(configs[1].label, "num_ctx=2048");
  EXPECT_EQ(configs[0].key, R"({"num_ctx":1024})");
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
  // The metric columns hold the same numbers as the raw JSON.
  EXPECT_EQ(std::stod(raw_scalar(url_, "SELECT ttft_ms FROM requests WHERE request_key = 'req-2'")),
            *original.ttft_ms);

  std::size_t only_c1 = 0;
  ASSERT_TRUE(store->requests(run_id, c1, [&](auto, const auto&) { ++only_c1; }));
  EXPECT_EQ(only_c1, 1u);
  auto missing = store->run(run_id + 100);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, FailureKind::kNotFound);
}

TEST_P(StoreTest, RecordsTheSchemaVersionAndMigratesOnce) {
  { auto store = open_or_die(url_); }
  EXPECT_EQ(raw_scalar(url_, "SELECT version FROM schema_version"),
            std::to_string(current_schema_version()));
  { auto store = open_or_die(url_); }
  EXPECT_EQ(raw_scalar(url_, "SELECT COUNT(*) FROM schema_version"), "1");
}

// Runs `sql` (several statements) directly on the store's database.
void raw_exec(const std::string& url, const std::string& sql) {
  const auto location = parse_store_url(url);
  ASSERT_TRUE(location);
  if (location->kind == StoreLocation::Kind::kPostgresql) {
    auto conn = pg::Connection::open(location->target);
    ASSERT_TRUE(conn) << conn.error().message;
    auto done = conn->exec(sql);
    ASSERT_TRUE(done) << done.error().message;
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(location->target.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

TEST_P(StoreTest, SendTimesAreKeptPerRequestAndAsColumns) {
  auto store = open_or_die(url_);
  ASSERT_TRUE(store);
  RunInfo info;
  info.fingerprint = "send-times";
  const auto run_id = *store->begin_run(info);
  ConfigurationRecord c;
  c.key = c.label = c.backend = c.model = "x";
  const auto cid = *store->add_configuration(run_id, c);
  auto open_loop = make_request(1);
  open_loop.scheduled_send_s = 0.25;
  open_loop.send_s = 0.2512345;
  auto closed_loop = make_request(2);
  closed_loop.send_s = 1.5;
  ASSERT_TRUE(store->record_request(run_id, cid, open_loop));
  ASSERT_TRUE(store->record_request(run_id, cid, closed_loop));
  store.reset();
  store = open_or_die(url_);
  std::vector<measure::RequestResult> seen;
  ASSERT_TRUE(store->requests(run_id, cid, [&](auto, const auto& r) { seen.push_back(r); }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].scheduled_send_s, 0.25);
  EXPECT_EQ(seen[0].send_s, 0.2512345);
  EXPECT_FALSE(seen[1].scheduled_send_s);  // a closed loop has no schedule
  EXPECT_EQ(seen[1].send_s, 1.5);
  // SQL sees them too: lateness per request, NULL without a schedule.
  EXPECT_NEAR(std::stod(raw_scalar(url_,
                                   "SELECT (send_s - scheduled_send_s) * 1000 FROM "
                                   "requests WHERE request_key = 'req-1'")),
              1.2345, 1e-9);
  EXPECT_EQ(raw_scalar(url_, "SELECT COUNT(*) FROM requests WHERE scheduled_send_s IS NULL"), "1");
}

TEST_P(StoreTest, AVersionThreeStoreGainsTheSendTimeColumns) {
  // A store as the previous schema left it, with one request in it.
  std::string sql;
  for (const auto& m : schema_migrations(is_postgresql() ? kPostgresqlIdColumn : kSqliteIdColumn)) {
    if (m.version <= 3) sql += m.sql + "\n";
  }
  sql += R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (3);
INSERT INTO runs (kind, fingerprint, started_at, status, simulated, args, tool_version)
  VALUES ('bench', 'old', '2026-01-01T00:00:00.000Z', 'complete', 1, '{}', '0.1.0');
INSERT INTO configurations (run_id, ordinal, config_key, label, backend, endpoint, model, api,
  options, status) VALUES (1, 0, 'k', 'k', 'ollama', 'e', 'm', 'generate', '{}', 'done');
INSERT INTO requests (run_id, configuration_id, seq, request_key, started_at, warmup, status,
  error_kind, error_message, http_status, output_tokens, output_tokens_estimated, cold, raw)
  VALUES (1, 1, 0, 'old-0', '2026-01-01T00:00:00.000Z', 0, 'ok', '', '', 200, 4, 0, 0,
  '{"id": "old-0", "status": "ok", "output_tokens": 4}');
)sql";
  raw_exec(url_, sql);
  auto store = open_or_die(url_);
  ASSERT_TRUE(store);
  EXPECT_EQ(raw_scalar(url_, "SELECT version FROM schema_version"), "4");
  auto fresh = make_request(7);
  fresh.send_s = 2.0;
  ASSERT_TRUE(store->record_request(1, 1, fresh));
  std::vector<measure::RequestResult> seen;
  ASSERT_TRUE(store->requests(1, std::nullopt, [&](auto, const auto& r) { seen.push_back(r); }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].id, "old-0");  // the old row reads back, without send times
  EXPECT_EQ(seen[0].output_tokens, 4);
  EXPECT_FALSE(seen[0].send_s);
  EXPECT_EQ(seen[1].send_s, 2.0);
  EXPECT_EQ(raw_scalar(url_, "SELECT COUNT(*) FROM requests WHERE send_s IS NULL"), "1");
}

TEST_P(StoreTest, RefusesANewerSchema) {
  { auto store = open_or_die(url_); }
  raw_scalar(url_, "UPDATE schema_version SET version = 999");
  auto store = open_store(url_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("schema version 999"), std::string::npos)
      << store.error().message;
}

TEST_P(StoreTest, FindsOnlyUnfinishedRunsWithTheSameFingerprint) {
  auto store = open_or_die(url_);
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

// Text with tabs, newlines, backslashes and non-ASCII survives the trip in
// both the raw JSON and the columns (PostgreSQL's COPY escapes them).
TEST_P(StoreTest, AwkwardTextRoundTrips) {
  auto store = open_or_die(url_);
  const auto run_id = *store->begin_run({});
  const auto config_id = *store->add_configuration(run_id, {.label = "a\tb"});
  auto r = make_request(7);
  r.id = "id\\N-\u00e9";
  r.status = measure::Status::kError;
  r.error_kind = "http";
  r.error_message = "line 1\nline 2\ttab \\ backslash \r end \\N";
  ASSERT_TRUE(store->record_request(run_id, config_id, r));
  std::vector<measure::RequestResult> back;
  ASSERT_TRUE(store->requests(run_id, config_id, [&](auto, const auto& x) { back.push_back(x); }));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].id, r.id);
  EXPECT_EQ(back[0].error_message, r.error_message);
  EXPECT_EQ(back[0].status, measure::Status::kError);
  EXPECT_EQ(raw_scalar(url_, "SELECT error_message FROM requests"), r.error_message);
  EXPECT_EQ(raw_scalar(url_, "SELECT request_key FROM requests"), r.id);
  EXPECT_EQ(store->configurations(run_id)->at(0).label, "a\tb");
}

TEST_P(StoreTest, EmptyStoreHasNoRuns) {
  auto store = open_or_die(url_);
  EXPECT_TRUE(store->runs()->empty());
  EXPECT_FALSE(*store->latest_run_id());
}

TEST_P(StoreTest, SequenceContinuesAfterReopen) {
  std::int64_t run_id = 0;
  std::int64_t config_id = 0;
  {
    auto store = open_or_die(url_);
    run_id = *store->begin_run({});
    config_id = *store->add_configuration(run_id, {.label = "a"});
    ASSERT_TRUE(store->record_request(run_id, config_id, make_request(0)));
  }
  auto store = open_or_die(url_);
  ASSERT_TRUE(store->record_request(run_id, config_id, make_request(1)));
  ASSERT_TRUE(store->flush());
  EXPECT_EQ(raw_scalar(url_, "SELECT MIN(seq) FROM requests"), "1");
  EXPECT_EQ(raw_scalar(url_, "SELECT MAX(seq) FROM requests"), "2");
  std::vector<std::string> order;
  ASSERT_TRUE(
      store->requests(run_id, config_id, [&](auto, const auto& r) { order.push_back(r.id); }));
  EXPECT_EQ(order, (std::vector<std::string>{"req-0", "req-1"}));
}

TEST_P(StoreTest, ConcurrentWritersLoseNothing) {
  auto store = open_or_die(url_);
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
  EXPECT_EQ(raw_scalar(url_, "SELECT COUNT(DISTINCT seq) FROM requests"), "400");
}

TEST_P(StoreTest, ManyRequestsStreamInOrder) {
  // More than one page of PostgreSQL's keyset reads, and several batches.
  auto store = open_or_die(url_);
  const auto run_id = *store->begin_run({});
  const auto a = *store->add_configuration(run_id, {.ordinal = 1, .label = "a"});
  const auto b = *store->add_configuration(run_id, {.ordinal = 0, .label = "b"});
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE(store->record_request(run_id, i % 2 == 0 ? a : b, make_request(i)));
  }
  std::vector<int> ids;
  std::vector<std::int64_t> configs;
  const auto n = store->requests(run_id, std::nullopt, [&](auto cid, const auto& r) {
    configs.push_back(cid);
    ids.push_back(std::stoi(r.id.substr(4)));
  });
  ASSERT_EQ(*n, 1500u);
  for (std::size_t k = 0; k < 750; ++k) {
    EXPECT_EQ(configs[k], b);  // ordinal 0 first
    EXPECT_EQ(ids[k], static_cast<int>(2 * k + 1));
    EXPECT_EQ(ids[750 + k], static_cast<int>(2 * k));
  }
}

TEST_P(StoreTest, InventoriesAndAgents) {
  auto store = open_or_die(url_);
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

// A run resumed into the same stored run drops the partial attempt of the
// run it redoes: that configuration with its requests, and its agents' rows.
TEST_P(StoreTest, DeletesAConfigurationWithItsRequestsAndLaterRunsAgents) {
  auto store = open_or_die(url_);
  const auto run_id = *store->begin_run({.kind = RunKind::kRun});
  const auto kept = *store->add_configuration(run_id, {.ordinal = 0, .key = "run1|concurrent|a"});
  const auto partial =
      *store->add_configuration(run_id, {.ordinal = 1, .key = "run2|concurrent|a"});
  ASSERT_TRUE(store->record_request(run_id, kept, make_request(1)));
  ASSERT_TRUE(store->record_request(run_id, partial, make_request(2)));
  ASSERT_TRUE(store->record_request(run_id, partial, make_request(3)));
  for (int index : {1, 2, 3}) {
    ASSERT_TRUE(store->save_agent_result(run_id, {.run_index = index, .agent = "a"}));
  }
  ASSERT_TRUE(store->delete_configuration(partial));
  ASSERT_TRUE(store->delete_agent_results(run_id, 2));

  const auto configurations = *store->configurations(run_id);
  ASSERT_EQ(configurations.size(), 1u);
  EXPECT_EQ(configurations[0].id, kept);
  std::vector<std::string> ids;
  ASSERT_TRUE(
      store->requests(run_id, std::nullopt,
                      [&](std::int64_t, const measure::RequestResult& r) { ids.push_back(r.id); }));
  EXPECT_EQ(ids, std::vector<std::string>{"req-1"});
  EXPECT_EQ(raw_scalar(url_, "SELECT COUNT(*) FROM requests"), "1");
  const auto agents = *store->agent_results(run_id);
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].run_index, 1);
}

// Reopened, a run is this process's: a later open never judges it abandoned
// by its previous (dead) owner.
TEST_P(StoreTest, AReopenedRunIsOwnedByTheProcessThatReopenedIt) {
  auto store = open_or_die(url_);
  RunInfo info{.kind = RunKind::kSweep, .fingerprint = "g"};
  info.owner = "some-other-host 1 0";
  const auto id = *store->begin_run(info);
  ASSERT_TRUE(store->finish_run(id, RunStatus::kAbandoned));
  ASSERT_TRUE(store->reopen_run(id));
  EXPECT_EQ(store->run(id)->owner, current_process_owner());
}

TEST_P(StoreTest, StoredArgumentsCarryNoPassword) {
  auto store = open_or_die(url_);
  RunInfo info;
  info.args = {{"store", "postgresql://ana:s3cret@db.example:5432/results"},
               {"nested", {"postgres://bo:pw@h/db?sslmode=require&password=x2"}}};
  const auto run_id = *store->begin_run(info);
  const auto stored = store->run(run_id)->args;
  EXPECT_EQ(stored["store"], "postgresql://ana:***@db.example:5432/results");
  EXPECT_EQ(stored["nested"][0], "postgres://bo:***@h/db?sslmode=require&password=***");
  EXPECT_EQ(raw_scalar(url_, "SELECT COUNT(*) FROM runs WHERE args LIKE '%s3cret%'"), "0");
}

// A child process records requests in a loop and reports each one after
// record_request() returned; it is then killed with SIGKILL mid-loop. The
// stored requests are a prefix of what it recorded, intact, missing at most
// what was still buffered or being written (none for SQLite, which commits
// each request).
TEST_P(StoreTest, KillDashNineLosesAtMostTheBatchInFlight) {
  std::int64_t run_id = 0;
  std::int64_t config_id = 0;
  {
    auto store = open_or_die(url_);
    run_id = *store->begin_run({.kind = RunKind::kSweep, .fingerprint = "f"});
    config_id = *store->add_configuration(run_id, {.label = "a"});
  }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    auto store = open_store(url_);
    if (!store) _exit(2);
    for (std::int32_t i = 0;; ++i) {
      if (!(*store)->record_request(run_id, config_id, make_request(i))) _exit(3);
      if (write(acks[1], &i, sizeof i) != sizeof i) _exit(4);
    }
  }
  close(acks[1]);
  std::int32_t last_acked = -1;
  while (last_acked < 1500) {
    std::int32_t i = 0;
    ASSERT_EQ(read(acks[0], &i, sizeof i), static_cast<ssize_t>(sizeof i));
    last_acked = i;
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // The child may have acknowledged more than was read so far: drain the pipe.
  for (std::int32_t i = 0; read(acks[0], &i, sizeof i) == static_cast<ssize_t>(sizeof i);) {
    last_acked = i;
  }
  close(acks[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto store = open_or_die(url_);
  std::int32_t expected = 0;
  ASSERT_TRUE(store->requests(run_id, config_id, [&](auto, const measure::RequestResult& r) {
    const auto original = make_request(expected);
    EXPECT_EQ(r.id, original.id);
    EXPECT_EQ(r.itl_ms, original.itl_ms);
    ++expected;
  }));
  const std::int32_t batch =
      is_postgresql() ? 2 * static_cast<std::int32_t>(kMaxBufferedRequests) : 0;
  EXPECT_GE(expected, last_acked + 1 - batch);
  // Plus at most the one committed but not yet reported.
  EXPECT_LE(expected, last_acked + 2);
  EXPECT_EQ(*store->find_resumable_run(RunKind::kSweep, "f"), run_id);
  std::cout << "[ INFO     ] acknowledged " << last_acked + 1 << ", stored " << expected << "\n";
}

}  // namespace
}  // namespace chimera::store
