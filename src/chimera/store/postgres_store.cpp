#include "chimera/store/postgres_store.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "chimera/store/pg_db.hpp"
#include "chimera/store/schema.hpp"

namespace chimera::store {
namespace {

// Propagates a failure from an Expected-returning call.
#define CHIMERA_TRY(var, expr) \
  auto var = (expr);           \
  if (!var) return std::unexpected(std::move(var).error())

// Any fixed 64-bit number, the same in every Chimera process: the advisory
// lock that serialises migrations across processes.
constexpr std::int64_t kMigrationLockKey = 0x4368696d657261;  // "Chimera"
// Request ids are taken from the table's identity sequence this many at a
// time, so record_request() can return an id without a round trip.
constexpr int kIdBlock = 512;
constexpr int kRequestColumnCount = 26;
constexpr int kKeysetPage = 1000;

nlohmann::json parse_json_or(const std::string& text, nlohmann::json fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

constexpr const char* kRunColumns =
    "id, kind, fingerprint, started_at, finished_at, status, simulated, args, tool_version";

RunInfo run_from_row(const pg::Result& r, int row) {
  RunInfo info;
  info.id = r.int64(row, 0);
  info.kind = run_kind_from_string(r.text(row, 1)).value_or(RunKind::kBench);
  info.fingerprint = r.text(row, 2);
  info.started_at = r.text(row, 3);
  info.finished_at = r.text(row, 4);
  info.status = run_status_from_string(r.text(row, 5)).value_or(RunStatus::kFailed);
  info.simulated = r.int64(row, 6) != 0;
  info.args = parse_json_or(r.text(row, 7), nlohmann::json::object());
  info.tool_version = r.text(row, 8);
  return info;
}

// One request's values in the requests table's column order, after `id`.
pg::Params request_params(std::int64_t id, std::int64_t run_id, std::int64_t configuration_id,
                          std::int64_t seq, const measure::RequestResult& r) {
  pg::Params p;
  p.add(id)
      .add(run_id)
      .add(configuration_id)
      .add(seq)
      .add(r.id)
      .add(r.started_at)
      .add(r.warmup)
      .add(measure::to_string(r.status))
      .add(r.error_kind)
      .add(r.error_message)
      .add(r.http_status)
      .add(r.ttft_ms)
      .add(r.e2e_ms)
      .add(r.tpot_ms)
      .add(r.decode_tps)
      .add(r.output_tokens)
      .add(r.output_tokens_estimated)
      .add(r.client_overhead_ms)
      .add(r.server.load_ms)
      .add(r.server.prompt_eval_ms)
      .add(r.server.prompt_eval_count)
      .add(r.server.eval_ms)
      .add(r.server.eval_count)
      .add(r.server.total_ms)
      .add(r.cold)
      .add(measure::to_json(r).dump());
  return p;
}

// INSERT of `rows` requests with their pre-assigned ids.
std::string request_insert_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO requests (id, run_id, configuration_id, seq, request_key, started_at, warmup, "
      "status, error_kind, error_message, http_status, ttft_ms, e2e_ms, tpot_ms, decode_tps, "
      "output_tokens, output_tokens_estimated, client_overhead_ms, load_ms, prompt_eval_ms, "
      "prompt_eval_count, eval_ms, eval_count, total_ms, cold, raw) OVERRIDING SYSTEM VALUE "
      "VALUES ";
  int n = 1;
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int c = 0; c < kRequestColumnCount; ++c)
      sql += (c == 0 ? "$" : ", $") + std::to_string(n++);
    sql += ")";
  }
  return sql;
}

class PostgresStore final : public ResultStore {
 public:
  PostgresStore(std::string display, pg::Connection conn)
      : display_(std::move(display)), db_(std::move(conn)) {}

  ~PostgresStore() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    std::lock_guard lock(mutex_);
    (void)flush_locked();
  }

  Expected<void> initialise() {
    CHIMERA_TRY(migrated, migrate());
    flusher_ = std::thread([this] { flush_periodically(); });
    return {};
  }

  std::string description() const override { return display_; }

  Expected<void> flush() override {
    std::lock_guard lock(mutex_);
    return flush_locked();
  }

  Expected<std::int64_t> begin_run(const RunInfo& run) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(to_string(run.kind))
        .add(run.fingerprint)
        .add(run.started_at.empty() ? utc_now_iso8601() : run.started_at)
        .add(to_string(run.status))
        .add(run.simulated)
        .add(redact_credentials(run.args).dump())
        .add(run.tool_version);
    CHIMERA_TRY(r, db_.query("INSERT INTO runs (kind, fingerprint, started_at, finished_at, "
                             "status, simulated, args, tool_version) VALUES ($1, $2, $3, NULL, "
                             "$4, $5, $6, $7) RETURNING id",
                             p));
    return r->int64(0, 0);
  }

  Expected<void> finish_run(std::int64_t run_id, RunStatus status,
                            const std::string& finished_at) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(flushed, flush_locked());
    pg::Params p;
    p.add(to_string(status)).add(finished_at.empty() ? utc_now_iso8601() : finished_at).add(run_id);
    return command("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3", p);
  }

  Expected<void> reopen_run(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(to_string(RunStatus::kRunning)).add(run_id);
    return command("UPDATE runs SET status = $1, finished_at = NULL WHERE id = $2", p);
  }

  Expected<std::optional<std::int64_t>> find_resumable_run(
      RunKind kind, const std::string& fingerprint) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(to_string(kind))
        .add(fingerprint)
        .add(to_string(RunStatus::kRunning))
        .add(to_string(RunStatus::kInterrupted));
    CHIMERA_TRY(r, db_.query("SELECT id FROM runs WHERE kind = $1 AND fingerprint = $2 AND "
                             "status IN ($3, $4) ORDER BY id DESC LIMIT 1",
                             p));
    if (r->rows() == 0) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{r->int64(0, 0)};
  }

  Expected<std::vector<RunInfo>> runs() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(r, db_.query(fmt::format("SELECT {} FROM runs ORDER BY id", kRunColumns)));
    std::vector<RunInfo> out;
    for (int row = 0; row < r->rows(); ++row) out.push_back(run_from_row(*r, row));
    return out;
  }

  Expected<RunInfo> run(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id);
    CHIMERA_TRY(r, db_.query(fmt::format("SELECT {} FROM runs WHERE id = $1", kRunColumns), p));
    if (r->rows() == 0) {
      return fail(FailureKind::kNotFound,
                  fmt::format("run {} is not in {}; 'chimera report --list' shows the runs", run_id,
                              description()));
    }
    return run_from_row(*r, 0);
  }

  Expected<std::optional<std::int64_t>> latest_run_id() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(r, db_.query("SELECT MAX(id) FROM runs"));
    if (r->rows() == 0 || r->is_null(0, 0)) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{r->int64(0, 0)};
  }

  Expected<std::int64_t> add_configuration(std::int64_t run_id,
                                           const ConfigurationRecord& c) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id)
        .add(c.ordinal)
        .add(c.key)
        .add(c.label)
        .add(c.backend)
        .add(c.endpoint)
        .add(c.model)
        .add(c.api)
        .add(c.options.dump())
        .add(to_string(c.status));
    CHIMERA_TRY(r, db_.query("INSERT INTO configurations (run_id, ordinal, config_key, label, "
                             "backend, endpoint, model, api, options, status) VALUES ($1, $2, $3, "
                             "$4, $5, $6, $7, $8, $9, $10) RETURNING id",
                             p));
    return r->int64(0, 0);
  }

  Expected<std::vector<ConfigurationRecord>> configurations(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id);
    CHIMERA_TRY(r, db_.query("SELECT id, run_id, ordinal, config_key, label, backend, endpoint, "
                             "model, api, options, status FROM configurations WHERE run_id = $1 "
                             "ORDER BY ordinal, id",
                             p));
    std::vector<ConfigurationRecord> out;
    for (int row = 0; row < r->rows(); ++row) {
      ConfigurationRecord c;
      c.id = r->int64(row, 0);
      c.run_id = r->int64(row, 1);
      c.ordinal = static_cast<int>(r->int64(row, 2));
      c.key = r->text(row, 3);
      c.label = r->text(row, 4);
      c.backend = r->text(row, 5);
      c.endpoint = r->text(row, 6);
      c.model = r->text(row, 7);
      c.api = r->text(row, 8);
      c.options = parse_json_or(r->text(row, 9), nlohmann::json::object());
      c.status = configuration_status_from_string(r->text(row, 10))
                     .value_or(ConfigurationStatus::kPending);
      out.push_back(std::move(c));
    }
    return out;
  }

  Expected<void> set_configuration_status(std::int64_t configuration_id,
                                          ConfigurationStatus status) override {
    std::lock_guard lock(mutex_);
    // A configuration marked done has all its requests stored.
    if (status == ConfigurationStatus::kDone) {
      CHIMERA_TRY(flushed, flush_locked());
    }
    pg::Params p;
    p.add(to_string(status)).add(configuration_id);
    return command("UPDATE configurations SET status = $1 WHERE id = $2", p);
  }

  Expected<std::int64_t> record_request(std::int64_t run_id, std::int64_t configuration_id,
                                        const measure::RequestResult& r) override {
    std::lock_guard lock(mutex_);
    if (deferred_error_) {
      // A background flush failed: say so once; the rows are still pending.
      auto error = std::move(*deferred_error_);
      deferred_error_.reset();
      return std::unexpected(std::move(error));
    }
    CHIMERA_TRY(id, next_request_id());
    CHIMERA_TRY(seq, next_seq(configuration_id));
    pending_.push_back(request_params(*id, run_id, configuration_id, *seq, r));
    next_seq_[configuration_id] = *seq + 1;
    if (pending_.size() >= kRequestBatchSize) {
      CHIMERA_TRY(flushed, flush_locked());
    }
    return *id;
  }

  Expected<std::size_t> requests(std::int64_t run_id, std::optional<std::int64_t> configuration_id,
                                 const RequestVisitor& visit) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(flushed, flush_locked());
    // Keyset pages: a bounded number of rows in memory, and no open cursor,
    // so that `visit` may call back into the store.
    std::size_t count = 0;
    std::int64_t ordinal = -1, config = -1, seq = -1;
    for (;;) {
      pg::Params p;
      p.add(run_id).add(configuration_id).add(ordinal).add(config).add(seq).add(kKeysetPage);
      CHIMERA_TRY(r,
                  db_.query("SELECT r.configuration_id, r.raw, c.ordinal, r.seq FROM requests r "
                            "JOIN configurations c ON c.id = r.configuration_id WHERE "
                            "r.run_id = $1 AND ($2::BIGINT IS NULL OR r.configuration_id = $2) "
                            "AND (c.ordinal, c.id, r.seq) > ($3::INTEGER, $4::BIGINT, $5::INTEGER) "
                            "ORDER BY c.ordinal, c.id, r.seq LIMIT $6",
                            p));
      for (int row = 0; row < r->rows(); ++row) {
        auto json = nlohmann::json::parse(r->text(row, 1), nullptr, false);
        if (json.is_discarded()) {
          return fail(FailureKind::kInvalidInput,
                      fmt::format("a stored request of run {} in {} is not valid JSON", run_id,
                                  description()));
        }
        visit(r->int64(row, 0), measure::request_from_json(json));
        ++count;
      }
      if (r->rows() < kKeysetPage) break;
      const int last = r->rows() - 1;
      ordinal = r->int64(last, 2);
      config = r->int64(last, 0);
      seq = r->int64(last, 3);
    }
    return count;
  }

  Expected<std::size_t> request_count(std::int64_t configuration_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(flushed, flush_locked());
    pg::Params p;
    p.add(configuration_id);
    CHIMERA_TRY(r, db_.query("SELECT COUNT(*) FROM requests WHERE configuration_id = $1", p));
    return static_cast<std::size_t>(r->int64(0, 0));
  }

  Expected<void> save_inventory(std::int64_t run_id, const nlohmann::json& inventory) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id).add(inventory.dump());
    return command(
        "INSERT INTO inventories (run_id, inventory) VALUES ($1, $2) "
        "ON CONFLICT (run_id) DO UPDATE SET inventory = excluded.inventory",
        p);
  }

  Expected<std::optional<nlohmann::json>> inventory(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id);
    CHIMERA_TRY(r, db_.query("SELECT inventory FROM inventories WHERE run_id = $1", p));
    if (r->rows() == 0) return std::optional<nlohmann::json>{};
    return std::optional<nlohmann::json>{parse_json_or(r->text(0, 0), nullptr)};
  }

  Expected<std::int64_t> save_agent_result(std::int64_t run_id, const AgentRecord& a) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id)
        .add(a.run_index)
        .add(a.agent)
        .add(a.persona)
        .add(a.profile)
        .add(a.model)
        .add(a.metrics.dump())
        .add(a.report_path);
    CHIMERA_TRY(r, db_.query("INSERT INTO agents (run_id, run_index, agent, persona, profile, "
                             "model, metrics, report_path) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                             "$8) RETURNING id",
                             p));
    return r->int64(0, 0);
  }

  Expected<std::vector<AgentRecord>> agent_results(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id);
    CHIMERA_TRY(r, db_.query("SELECT id, run_id, run_index, agent, persona, profile, model, "
                             "metrics, report_path FROM agents WHERE run_id = $1 ORDER BY "
                             "run_index, id",
                             p));
    std::vector<AgentRecord> out;
    for (int row = 0; row < r->rows(); ++row) {
      AgentRecord a;
      a.id = r->int64(row, 0);
      a.run_id = r->int64(row, 1);
      a.run_index = static_cast<int>(r->int64(row, 2));
      a.agent = r->text(row, 3);
      a.persona = r->text(row, 4);
      a.profile = r->text(row, 5);
      a.model = r->text(row, 6);
      a.metrics = parse_json_or(r->text(row, 7), nlohmann::json::object());
      a.report_path = r->text(row, 8);
      out.push_back(std::move(a));
    }
    return out;
  }

 private:
  Expected<void> command(const std::string& sql, const pg::Params& params) {
    CHIMERA_TRY(r, db_.query(sql, params));
    return {};
  }

  Expected<void> migrate() {
    // DDL is transactional in PostgreSQL: the whole upgrade commits or none of
    // it does, and the transaction-scoped advisory lock makes a second process
    // wait, then find the schema current.
    CHIMERA_TRY(begin, db_.exec("BEGIN"));
    auto result = migrate_locked();
    if (!result) {
      (void)db_.exec("ROLLBACK");
      return result;
    }
    return db_.exec("COMMIT");
  }

  Expected<void> migrate_locked() {
    pg::Params key;
    key.add(kMigrationLockKey);
    CHIMERA_TRY(locked, db_.query("SELECT pg_advisory_xact_lock($1)", key));
    CHIMERA_TRY(created,
                db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    CHIMERA_TRY(r, db_.query("SELECT MAX(version) FROM schema_version"));
    const int version = r->is_null(0, 0) ? 0 : static_cast<int>(r->int64(0, 0));
    const int latest = current_schema_version();
    if (version > latest) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("{} has schema version {}, newer than this Chimera understands "
                              "({}); upgrade Chimera to read it",
                              description(), version, latest));
    }
    for (const auto& migration : schema_migrations(kPostgresqlIdColumn)) {
      if (migration.version <= version) continue;
      CHIMERA_TRY(applied, db_.exec(migration.sql));
      CHIMERA_TRY(recorded, db_.exec(fmt::format(
                                "DELETE FROM schema_version; INSERT INTO schema_version (version) "
                                "VALUES ({})",
                                migration.version)));
    }
    return {};
  }

  Expected<std::int64_t> next_request_id() {
    if (free_ids_.empty()) {
      pg::Params p;
      p.add(kIdBlock);
      CHIMERA_TRY(r, db_.query("SELECT nextval(pg_get_serial_sequence('requests', 'id')) FROM "
                               "generate_series(1, $1)",
                               p));
      // Handed out from the back: reverse so ids still rise in recording order.
      for (int row = r->rows() - 1; row >= 0; --row) free_ids_.push_back(r->int64(row, 0));
    }
    const auto id = free_ids_.back();
    free_ids_.pop_back();
    return id;
  }

  Expected<std::int64_t> next_seq(std::int64_t configuration_id) {
    if (auto it = next_seq_.find(configuration_id); it != next_seq_.end()) return it->second;
    pg::Params p;
    p.add(configuration_id);
    CHIMERA_TRY(
        r,
        db_.query("SELECT COALESCE(MAX(seq), 0) + 1 FROM requests WHERE configuration_id = $1", p));
    return r->int64(0, 0);
  }

  // Writes every pending request in one statement (its own transaction); on
  // failure they stay pending for the next attempt.
  Expected<void> flush_locked() {
    if (pending_.empty()) return {};
    pg::Params all;
    for (const auto& row : pending_) all.append(row);
    const auto sql = pending_.size() == kRequestBatchSize ? full_batch_sql_
                                                          : request_insert_sql(pending_.size());
    CHIMERA_TRY(r, db_.query(sql, all));
    pending_.clear();
    return {};
  }

  void flush_periodically() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, kFlushInterval, [this] { return stopping_; });
      if (stopping_) break;
      if (auto ok = flush_locked(); !ok && !deferred_error_) deferred_error_ = ok.error();
    }
  }

  std::string display_;
  pg::Connection db_;
  // Recursive: a RequestVisitor may call back into the store.
  std::recursive_mutex mutex_;
  std::condition_variable_any wake_;
  bool stopping_ = false;
  std::thread flusher_;
  std::vector<pg::Params> pending_;
  std::optional<Failure> deferred_error_;
  std::vector<std::int64_t> free_ids_;
  std::map<std::int64_t, std::int64_t> next_seq_;
  const std::string full_batch_sql_ = request_insert_sql(kRequestBatchSize);
};

}  // namespace

Expected<std::unique_ptr<ResultStore>> open_postgresql_store(const std::string& url) {
  const auto display = redact_store_url(url);
  auto conn = pg::Connection::open(url);
  if (!conn) {
    return fail(conn.error().kind, fmt::format("Could not open results store '{}': {}", display,
                                               conn.error().message));
  }
  auto store = std::make_unique<PostgresStore>(display, std::move(*conn));
  if (auto ok = store->initialise(); !ok) {
    return fail(ok.error().kind,
                fmt::format("Could not open results store '{}': {}", display, ok.error().message));
  }
  return std::unique_ptr<ResultStore>(std::move(store));
}

}  // namespace chimera::store
