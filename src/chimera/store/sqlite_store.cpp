#include "chimera/store/sqlite_store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "chimera/store/rows.hpp"
#include "chimera/store/schema.hpp"
#include "chimera/store/sqlite_db.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

using sqlite::Database;
using sqlite::Statement;

// A SQLite statement's current row, as rows.hpp reads it.
struct SqliteRow {
  const Statement& s;
  std::int64_t int64(int column) const { return s.column_int64(column); }
  std::string text(int column) const { return s.column_text(column); }
};

class SqliteStore final : public ResultStore {
 public:
  SqliteStore(std::string path, Database db) : path_(std::move(path)), db_(std::move(db)) {}
  ~SqliteStore() override {
    std::lock_guard lock(mutex_);
    (void)commit_rows();
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Expected<void> initialise() {
    sqlite3_busy_timeout(db_.handle(), kBusyTimeoutMs);
    if (path_ != ":memory:") {
      CHIMERA_TRY(mode, journal_mode_wal());
    }
    CHIMERA_TRY(pragmas, db_.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
    return migrate();
  }

  std::string description() const override { return "sqlite:" + path_; }

  Expected<std::int64_t> begin_run(const RunInfo& run) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(
        stmt,
        db_.prepare("INSERT INTO runs (kind, fingerprint, started_at, finished_at, status, "
                    "simulated, args, tool_version, owner) VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, "
                    "?7, ?8)"));
    stmt->bind(1, to_string(run.kind))
        .bind(2, run.fingerprint)
        .bind(3, run.started_at.empty() ? utc_now_iso8601() : run.started_at)
        .bind(4, to_string(run.status))
        .bind(5, run.simulated)
        .bind(6, dump_json(redact_credentials(run.args)))
        .bind(7, run.tool_version)
        .bind(8, run.owner.empty() ? current_process_owner() : run.owner);
    CHIMERA_TRY(done, stmt->run());
    return db_.last_insert_id();
  }

  Expected<void> finish_run(std::int64_t run_id, RunStatus status,
                            const std::string& finished_at) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(written, commit_rows());  // batched rows first
    CHIMERA_TRY(stmt, db_.prepare("UPDATE runs SET status = ?1, finished_at = ?2 WHERE id = ?3"));
    stmt->bind(1, to_string(status))
        .bind(2, finished_at.empty() ? utc_now_iso8601() : finished_at)
        .bind(3, run_id);
    return stmt->run();
  }

  Expected<void> reopen_run(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("UPDATE runs SET status = ?1, finished_at = NULL, owner = ?3 "
                                  "WHERE id = ?2"));
    stmt->bind(1, to_string(RunStatus::kRunning)).bind(2, run_id).bind(3, current_process_owner());
    return stmt->run();
  }

  Expected<std::optional<std::int64_t>> find_resumable_run(
      RunKind kind, const std::string& fingerprint) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("SELECT id FROM runs WHERE kind = ?1 AND fingerprint = ?2 AND "
                                  "status IN (?3, ?4, ?5) ORDER BY id DESC LIMIT 1"));
    stmt->bind(1, to_string(kind))
        .bind(2, fingerprint)
        .bind(3, to_string(RunStatus::kRunning))
        .bind(4, to_string(RunStatus::kInterrupted))
        .bind(5, to_string(RunStatus::kAbandoned));
    CHIMERA_TRY(row, stmt->step());
    if (!*row) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{stmt->column_int64(0)};
  }

  Expected<std::vector<RunInfo>> runs() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare(fmt::format("SELECT {} FROM runs ORDER BY id", kRunColumns)));
    std::vector<RunInfo> out;
    for (;;) {
      CHIMERA_TRY(row, stmt->step());
      if (!*row) break;
      out.push_back(run_from_row(SqliteRow{*stmt}));
    }
    return out;
  }

  Expected<RunInfo> run(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare(fmt::format("SELECT {} FROM runs WHERE id = ?1", kRunColumns)));
    stmt->bind(1, run_id);
    CHIMERA_TRY(row, stmt->step());
    if (!*row) {
      return fail(FailureKind::kNotFound,
                  fmt::format("run {} is not in {}; 'chimera report --list' shows the runs", run_id,
                              description()));
    }
    return run_from_row(SqliteRow{*stmt});
  }

  Expected<std::optional<std::int64_t>> latest_run_id() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("SELECT MAX(id) FROM runs"));
    CHIMERA_TRY(row, stmt->step());
    if (!*row || stmt->is_null(0)) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{stmt->column_int64(0)};
  }

  Expected<std::int64_t> add_configuration(std::int64_t run_id,
                                           const ConfigurationRecord& c) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("INSERT INTO configurations (run_id, ordinal, config_key, "
                                  "label, backend, endpoint, model, api, options, status) VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    stmt->bind(1, run_id)
        .bind(2, c.ordinal)
        .bind(3, c.key)
        .bind(4, c.label)
        .bind(5, c.backend)
        .bind(6, c.endpoint)
        .bind(7, c.model)
        .bind(8, c.api)
        .bind(9, dump_json(c.options))
        .bind(10, to_string(c.status));
    CHIMERA_TRY(done, stmt->run());
    return db_.last_insert_id();
  }

  Expected<std::vector<ConfigurationRecord>> configurations(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("SELECT id, run_id, ordinal, config_key, label, backend, "
                                  "endpoint, model, api, options, status FROM configurations "
                                  "WHERE run_id = ?1 ORDER BY ordinal, id"));
    stmt->bind(1, run_id);
    std::vector<ConfigurationRecord> out;
    for (;;) {
      CHIMERA_TRY(row, stmt->step());
      if (!*row) break;
      out.push_back(configuration_from_row(SqliteRow{*stmt}));
    }
    return out;
  }

  Expected<void> set_configuration_status(std::int64_t configuration_id,
                                          ConfigurationStatus status) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(written, commit_rows());  // batched rows first
    CHIMERA_TRY(stmt, db_.prepare("UPDATE configurations SET status = ?1 WHERE id = ?2"));
    stmt->bind(1, to_string(status)).bind(2, configuration_id);
    return stmt->run();
  }

  Expected<std::int64_t> record_request(std::int64_t run_id, std::int64_t configuration_id,
                                        const measure::RequestResult& r) override {
    std::lock_guard lock(mutex_);
    if (batch_depth_ > 0) {
      pending_.push_back({run_id, configuration_id, r});
      return std::int64_t{0};  // the id is assigned when the batch is written
    }
    return insert_request(run_id, configuration_id, r);
  }

  void begin_batch() override {
    std::lock_guard lock(mutex_);
    ++batch_depth_;
  }

  Expected<void> flush() override {
    std::lock_guard lock(mutex_);
    return commit_rows();
  }

  Expected<void> end_batch() override {
    std::lock_guard lock(mutex_);
    if (batch_depth_ > 0) --batch_depth_;
    return commit_rows();
  }

  std::vector<UnstoredRequest> take_unstored() override {
    std::lock_guard lock(mutex_);
    std::vector<UnstoredRequest> out;
    for (auto* rows : {&refused_, &pending_}) {
      for (auto& row : *rows) out.push_back({row.configuration_id, std::move(row.request)});
      rows->clear();
    }
    return out;
  }

  Expected<std::size_t> requests(std::int64_t run_id, std::optional<std::int64_t> configuration_id,
                                 const RequestVisitor& visit) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(written, commit_rows());  // batched rows first
    // A statement of its own (not cached), so that `visit` may call back into
    // the store while rows are still being read.
    CHIMERA_TRY(
        stmt,
        db_.prepare("SELECT r.configuration_id, r.raw FROM requests r JOIN configurations c "
                    "ON c.id = r.configuration_id WHERE r.run_id = ?1 AND "
                    "(?2 IS NULL OR r.configuration_id = ?2) ORDER BY c.ordinal, c.id, r.seq"));
    stmt->bind(1, run_id).bind(2, configuration_id);
    std::size_t count = 0;
    for (;;) {
      CHIMERA_TRY(row, stmt->step());
      if (!*row) break;
      CHIMERA_TRY(request, stored_request(stmt->column_text(1), run_id, description()));
      visit(stmt->column_int64(0), *request);
      ++count;
    }
    return count;
  }

  Expected<std::size_t> request_count(std::int64_t configuration_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(written, commit_rows());  // batched rows first
    CHIMERA_TRY(stmt, db_.prepare("SELECT COUNT(*) FROM requests WHERE configuration_id = ?1"));
    stmt->bind(1, configuration_id);
    CHIMERA_TRY(row, stmt->step());
    return static_cast<std::size_t>(stmt->column_int64(0));
  }

  Expected<void> save_inventory(std::int64_t run_id, const nlohmann::json& inventory) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt,
                db_.prepare("INSERT INTO inventories (run_id, inventory) VALUES (?1, ?2) "
                            "ON CONFLICT (run_id) DO UPDATE SET inventory = excluded.inventory"));
    stmt->bind(1, run_id).bind(2, dump_json(inventory));
    return stmt->run();
  }

  Expected<std::optional<nlohmann::json>> inventory(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("SELECT inventory FROM inventories WHERE run_id = ?1"));
    stmt->bind(1, run_id);
    CHIMERA_TRY(row, stmt->step());
    if (!*row) return std::optional<nlohmann::json>{};
    return std::optional<nlohmann::json>{parse_json_or(stmt->column_text(0), nullptr)};
  }

  Expected<std::int64_t> save_agent_result(std::int64_t run_id, const AgentRecord& a) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("INSERT INTO agents (run_id, run_index, agent, persona, profile, "
                                  "model, metrics, report_path) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                                  "?7, ?8)"));
    stmt->bind(1, run_id)
        .bind(2, a.run_index)
        .bind(3, a.agent)
        .bind(4, a.persona)
        .bind(5, a.profile)
        .bind(6, a.model)
        .bind(7, dump_json(a.metrics))
        .bind(8, a.report_path);
    CHIMERA_TRY(done, stmt->run());
    return db_.last_insert_id();
  }

  Expected<void> delete_configuration(std::int64_t configuration_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(written, commit_rows());  // batched rows first
    for (const char* sql : {"DELETE FROM requests WHERE configuration_id = ?1",
                            "DELETE FROM configurations WHERE id = ?1"}) {
      CHIMERA_TRY(stmt, db_.prepare(sql));
      stmt->bind(1, configuration_id);
      CHIMERA_TRY(done, stmt->run());
    }
    return {};
  }

  Expected<void> delete_agent_results(std::int64_t run_id, int from_run_index) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("DELETE FROM agents WHERE run_id = ?1 AND run_index >= ?2"));
    stmt->bind(1, run_id).bind(2, from_run_index);
    return stmt->run();
  }

  Expected<std::vector<AgentRecord>> agent_results(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(stmt, db_.prepare("SELECT id, run_id, run_index, agent, persona, profile, model, "
                                  "metrics, report_path FROM agents WHERE run_id = ?1 ORDER BY "
                                  "run_index, id"));
    stmt->bind(1, run_id);
    std::vector<AgentRecord> out;
    for (;;) {
      CHIMERA_TRY(row, stmt->step());
      if (!*row) break;
      out.push_back(agent_from_row(SqliteRow{*stmt}));
    }
    return out;
  }

 private:
  Expected<void> journal_mode_wal() {
    CHIMERA_TRY(stmt, db_.prepare("PRAGMA journal_mode=WAL"));
    CHIMERA_TRY(row, stmt->step());
    const auto mode = *row ? stmt->column_text(0) : std::string();
    if (mode != "wal") {
      return fail(FailureKind::kIo,
                  fmt::format("{} could not switch to WAL mode (journal mode is '{}'); is the "
                              "file on a network file system?",
                              description(), mode));
    }
    return {};
  }

  Expected<int> stored_schema_version() {
    CHIMERA_TRY(created,
                db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    CHIMERA_TRY(stmt, db_.prepare("SELECT MAX(version) FROM schema_version"));
    CHIMERA_TRY(row, stmt->step());
    if (!*row || stmt->is_null(0)) return 0;
    return static_cast<int>(stmt->column_int64(0));
  }

  Expected<void> migrate() {
    // BEGIN IMMEDIATE takes the write lock first, so two processes opening a
    // new file at once do not both run the migrations.
    CHIMERA_TRY(begin, db_.exec("BEGIN IMMEDIATE"));
    auto result = migrate_locked();
    if (!result) {
      (void)db_.exec("ROLLBACK");
      return result;
    }
    return db_.exec("COMMIT");
  }

  Expected<void> migrate_locked() {
    CHIMERA_TRY(version, stored_schema_version());
    const int latest = current_schema_version();
    if (*version > latest) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("{} has schema version {}, newer than this Chimera understands "
                              "({}); upgrade Chimera to read it",
                              description(), *version, latest));
    }
    for (const auto& migration : schema_migrations(kSqliteIdColumn)) {
      if (migration.version <= *version) continue;
      CHIMERA_TRY(applied, db_.exec(migration.sql));
      CHIMERA_TRY(recorded, db_.exec(fmt::format(
                                "DELETE FROM schema_version; INSERT INTO schema_version (version) "
                                "VALUES ({})",
                                migration.version)));
    }
    return {};
  }

  // One row of `requests`. mutex_ held.
  Expected<std::int64_t> insert_request(std::int64_t run_id, std::int64_t configuration_id,
                                        const measure::RequestResult& r) {
    if (!insert_request_) {
      CHIMERA_TRY(
          stmt, db_.prepare("INSERT INTO requests (run_id, configuration_id, seq, request_key, "
                            "started_at, warmup, status, error_kind, error_message, http_status, "
                            "ttft_ms, e2e_ms, tpot_ms, decode_tps, output_tokens, "
                            "output_tokens_estimated, client_overhead_ms, load_ms, prompt_eval_ms, "
                            "prompt_eval_count, eval_ms, eval_count, total_ms, cold, raw, "
                            "scheduled_send_s, send_s) VALUES "
                            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                            "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"));
      insert_request_ = std::move(*stmt);
    }
    CHIMERA_TRY(seq, next_seq(configuration_id));
    auto& s = *insert_request_;
    s.bind(1, run_id)
        .bind(2, configuration_id)
        .bind(3, *seq)
        .bind(4, r.id)
        .bind(5, r.started_at)
        .bind(6, r.warmup)
        .bind(7, measure::to_string(r.status))
        .bind(8, r.error_kind)
        .bind(9, r.error_message)
        .bind(10, r.http_status)
        .bind(11, r.ttft_ms)
        .bind(12, r.e2e_ms)
        .bind(13, r.tpot_ms)
        .bind(14, r.decode_tps)
        .bind(15, r.output_tokens)
        .bind(16, r.output_tokens_estimated)
        .bind(17, r.client_overhead_ms)
        .bind(18, r.server.load_ms)
        .bind(19, r.server.prompt_eval_ms)
        .bind(20, r.server.prompt_eval_count)
        .bind(21, r.server.eval_ms)
        .bind(22, r.server.eval_count)
        .bind(23, r.server.total_ms)
        .bind(24, r.cold)
        .bind(25, measure::to_json_text(r))
        .bind(26, r.scheduled_send_s)
        .bind(27, r.send_s);
    CHIMERA_TRY(done, s.run());
    next_seq_[configuration_id] = *seq + 1;
    return db_.last_insert_id();
  }

  // Writes the batch's pending rows in one transaction. The write lock is
  // held only while they are inserted, so other processes writing the same
  // file (the shards of a sweep) get their turn between flushes. Rows the
  // database refuses are counted in the error and kept for take_unstored();
  // when the transaction cannot start or commit, or SQLite ends it by itself
  // (a full disk), every row stays pending for the next flush. mutex_ held.
  Expected<void> commit_rows() {
    if (pending_.empty()) return {};
    if (auto begin = db_.exec("BEGIN IMMEDIATE"); !begin) return not_yet_stored(begin.error());
    auto rows = std::exchange(pending_, {});
    std::vector<std::size_t> refused;
    std::optional<Failure> first_refusal;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto inserted = insert_request(rows[i].run_id, rows[i].configuration_id, rows[i].request);
      if (inserted) continue;
      if (!db_.in_transaction()) {  // rolled back by SQLite: nothing of it was written
        next_seq_.clear();
        pending_ = std::move(rows);
        return not_yet_stored(inserted.error());
      }
      if (!first_refusal) first_refusal = inserted.error();
      refused.push_back(i);
    }
    if (auto committed = db_.exec("COMMIT"); !committed) {
      (void)db_.exec("ROLLBACK");
      next_seq_.clear();  // the rolled-back rows' numbers are free again
      pending_ = std::move(rows);
      return not_yet_stored(committed.error());
    }
    if (refused.empty()) return {};
    for (const auto i : refused) refused_.push_back(std::move(rows[i]));
    return fail(FailureKind::kIo,
                fmt::format("{} of {} requests were refused by {}: {}", refused.size(), rows.size(),
                            description(), first_refusal->message));
  }

  // The failure of a flush that left every row pending. mutex_ held.
  std::unexpected<Failure> not_yet_stored(const Failure& cause) const {
    return fail(cause.kind, fmt::format("{} requests are not yet stored in {} (tried again at the "
                                        "next flush): {}",
                                        pending_.size(), description(), cause.message));
  }

  Expected<std::int64_t> next_seq(std::int64_t configuration_id) {
    if (auto it = next_seq_.find(configuration_id); it != next_seq_.end()) return it->second;
    CHIMERA_TRY(
        stmt,
        db_.prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM requests WHERE configuration_id = ?1"));
    stmt->bind(1, configuration_id);
    CHIMERA_TRY(row, stmt->step());
    return stmt->column_int64(0);
  }

  std::string path_;
  Database db_;
  // Recursive: a RequestVisitor may call back into the store.
  std::recursive_mutex mutex_;
  std::optional<Statement> insert_request_;
  std::map<std::int64_t, std::int64_t> next_seq_;
  struct PendingRow {
    std::int64_t run_id;
    std::int64_t configuration_id;
    measure::RequestResult request;
  };
  int batch_depth_ = 0;              // begin_batch() calls not yet ended
  std::vector<PendingRow> pending_;  // recorded in a batch, not yet written
  std::vector<PendingRow> refused_;  // refused by the database, for take_unstored()
};

}  // namespace

Expected<std::unique_ptr<ResultStore>> open_sqlite_store(const std::string& path) {
  // Processes that open one new file at once (the shards of a sweep) can be
  // refused at once while another switches it to WAL, without SQLite
  // waiting out the busy timeout: such a refusal is retried, on a fresh
  // connection, for as long as that timeout.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    auto db = Database::open(path);
    if (!db) return std::unexpected(db.error());
    auto store = std::make_unique<SqliteStore>(path, std::move(*db));
    auto ok = store->initialise();
    if (ok) return std::unique_ptr<ResultStore>(std::move(store));
    if (ok.error().kind != FailureKind::kTimeout || std::chrono::steady_clock::now() >= give_up) {
      return fail(ok.error().kind,
                  fmt::format("Could not open results store '{}': {}", path, ok.error().message));
    }
    store.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace chimera::store
