#include "chimera/store/postgres_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "chimera/store/pg_db.hpp"
#include "chimera/store/rows.hpp"
#include "chimera/store/schema.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::store {
namespace {

// Any fixed 64-bit number, the same in every Chimera process: the advisory
// lock that serialises migrations across processes.
constexpr std::int64_t kMigrationLockKey = 0x4368696d657261;  // "Chimera"
// Request ids are taken from the table's identity sequence this many at a
// time, so record_request() can return an id without a round trip.
constexpr std::size_t kIdBlock = 1024;
constexpr int kKeysetPage = 1000;

// One row of a PostgreSQL result, as rows.hpp reads it.
struct PgRow {
  const pg::Result& r;
  int row;
  std::int64_t int64(int column) const { return r.int64(row, column); }
  std::string text(int column) const { return r.text(row, column); }
};

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
      .add(measure::to_json_text(r))
      .add(r.scheduled_send_s)
      .add(r.send_s);
  return p;
}

// COPY of requests with their pre-assigned ids, in request_params() order.
constexpr const char* kCopyRequests =
    "COPY requests (id, run_id, configuration_id, seq, request_key, started_at, warmup, status, "
    "error_kind, error_message, http_status, ttft_ms, e2e_ms, tpot_ms, decode_tps, output_tokens, "
    "output_tokens_estimated, client_overhead_ms, load_ms, prompt_eval_ms, prompt_eval_count, "
    "eval_ms, eval_count, total_ms, cold, raw, scheduled_send_s, send_s) FROM STDIN";

class PostgresStore final : public ResultStore {
 public:
  PostgresStore(std::string display, pg::Connection conn)
      : display_(std::move(display)), db_(std::move(conn)) {}

  ~PostgresStore() override {
    {
      std::lock_guard buffer(buffer_mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    std::lock_guard lock(mutex_);
    (void)flush_locked();
  }

  Expected<void> initialise() {
    CHIMERA_TRY(migrated, migrate());
    CHIMERA_TRY(ids, top_up_ids());
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
        .add(dump_json(redact_credentials(run.args)))
        .add(run.tool_version)
        .add(run.owner.empty() ? current_process_owner() : run.owner);
    CHIMERA_TRY(r, db_.query("INSERT INTO runs (kind, fingerprint, started_at, finished_at, "
                             "status, simulated, args, tool_version, owner) VALUES ($1, $2, $3, "
                             "NULL, $4, $5, $6, $7, $8) RETURNING id",
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
    p.add(to_string(RunStatus::kRunning)).add(run_id).add(current_process_owner());
    return command("UPDATE runs SET status = $1, finished_at = NULL, owner = $3 WHERE id = $2", p);
  }

  Expected<std::optional<std::int64_t>> find_resumable_run(
      RunKind kind, const std::string& fingerprint) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(to_string(kind))
        .add(fingerprint)
        .add(to_string(RunStatus::kRunning))
        .add(to_string(RunStatus::kInterrupted))
        .add(to_string(RunStatus::kAbandoned));
    CHIMERA_TRY(r, db_.query("SELECT id FROM runs WHERE kind = $1 AND fingerprint = $2 AND "
                             "status IN ($3, $4, $5) ORDER BY id DESC LIMIT 1",
                             p));
    if (r->rows() == 0) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{r->int64(0, 0)};
  }

  Expected<std::vector<RunInfo>> runs() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(r, db_.query(fmt::format("SELECT {} FROM runs ORDER BY id", kRunColumns)));
    std::vector<RunInfo> out;
    for (int row = 0; row < r->rows(); ++row) out.push_back(run_from_row(PgRow{*r, row}));
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
    return run_from_row(PgRow{*r, 0});
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
        .add(dump_json(c.options))
        .add(to_string(c.status));
    CHIMERA_TRY(r, db_.query("INSERT INTO configurations (run_id, ordinal, config_key, label, "
                             "backend, endpoint, model, api, options, status) VALUES ($1, $2, $3, "
                             "$4, $5, $6, $7, $8, $9, $10) RETURNING id",
                             p));
    const auto id = r->int64(0, 0);
    std::lock_guard buffer(buffer_mutex_);
    next_seq_[id] = 1;  // a new configuration has no requests yet
    return id;
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
      out.push_back(configuration_from_row(PgRow{*r, row}));
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
    auto row = request_params(0, run_id, configuration_id, 0, r);
    {
      std::unique_lock buffer(buffer_mutex_);
      if (deferred_error_) {
        // A background write failed: say so once; the rows are still pending.
        auto error = std::move(*deferred_error_);
        deferred_error_.reset();
        return std::unexpected(std::move(error));
      }
      if (auto id = enqueue_locked(configuration_id, row)) return after_enqueue(*id, buffer);
    }
    // Slow path (no ids left, or a configuration this process has not seen):
    // fetch from the database, then enqueue.
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(ids, top_up_ids());
    CHIMERA_TRY(seq, load_seq(configuration_id));
    std::unique_lock buffer(buffer_mutex_);
    auto id = enqueue_locked(configuration_id, row);
    if (!id) return fail(FailureKind::kError, "no request id available");
    return after_enqueue(*id, buffer);
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
        CHIMERA_TRY(request, stored_request(r->text(row, 1), run_id, description()));
        visit(r->int64(row, 0), *request);
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
    p.add(run_id).add(dump_json(inventory));
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
        .add(dump_json(a.metrics))
        .add(a.report_path);
    CHIMERA_TRY(r, db_.query("INSERT INTO agents (run_id, run_index, agent, persona, profile, "
                             "model, metrics, report_path) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                             "$8) RETURNING id",
                             p));
    return r->int64(0, 0);
  }

  Expected<void> delete_configuration(std::int64_t configuration_id) override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(flushed, flush_locked());  // buffered rows first
    pg::Params p;
    p.add(configuration_id);
    CHIMERA_TRY(requests, command("DELETE FROM requests WHERE configuration_id = $1", p));
    return command("DELETE FROM configurations WHERE id = $1", p);
  }

  Expected<void> delete_agent_results(std::int64_t run_id, int from_run_index) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id).add(from_run_index);
    return command("DELETE FROM agents WHERE run_id = $1 AND run_index >= $2", p);
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
      out.push_back(agent_from_row(PgRow{*r, row}));
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

  // Assigns the next id and seq and buffers the row, if both are known
  // without the database. buffer_mutex_ held.
  std::optional<std::int64_t> enqueue_locked(std::int64_t configuration_id, pg::Params& row) {
    const auto seq = next_seq_.find(configuration_id);
    if (free_ids_.empty() || seq == next_seq_.end()) return std::nullopt;
    const auto id = free_ids_.front();
    free_ids_.pop_front();
    row.set(0, id).set(3, seq->second++);
    pending_.push_back(std::move(row));
    return id;
  }

  // A full batch wakes the writer thread; a backlog the writer has not caught
  // up with is written by the caller (back-pressure bounds what a kill loses).
  Expected<std::int64_t> after_enqueue(std::int64_t id, std::unique_lock<std::mutex>& buffer) {
    const auto buffered = pending_.size();
    buffer.unlock();
    if (buffered >= kMaxBufferedRequests) {
      std::lock_guard lock(mutex_);
      CHIMERA_TRY(flushed, flush_locked());
    } else if (buffered >= kRequestBatchSize) {
      wake_.notify_one();
    }
    return id;
  }

  // Keeps a stock of request ids from the table's identity sequence, so that
  // record_request() rarely waits for the database. mutex_ held.
  Expected<void> top_up_ids() {
    {
      std::lock_guard buffer(buffer_mutex_);
      if (free_ids_.size() >= kIdBlock / 2) return {};
    }
    pg::Params p;
    p.add(static_cast<std::int64_t>(kIdBlock));
    CHIMERA_TRY(r, db_.query("SELECT nextval(pg_get_serial_sequence('requests', 'id')) FROM "
                             "generate_series(1, $1)",
                             p));
    std::lock_guard buffer(buffer_mutex_);
    for (int row = 0; row < r->rows(); ++row) free_ids_.push_back(r->int64(row, 0));
    return {};
  }

  // The next seq of a configuration recorded by an earlier process. mutex_ held.
  Expected<void> load_seq(std::int64_t configuration_id) {
    {
      std::lock_guard buffer(buffer_mutex_);
      if (next_seq_.contains(configuration_id)) return {};
    }
    pg::Params p;
    p.add(configuration_id);
    CHIMERA_TRY(
        r,
        db_.query("SELECT COALESCE(MAX(seq), 0) + 1 FROM requests WHERE configuration_id = $1", p));
    std::lock_guard buffer(buffer_mutex_);
    next_seq_.emplace(configuration_id, r->int64(0, 0));
    return {};
  }

  // Writes every buffered request, kRequestBatchSize rows per COPY (each its
  // own transaction); what a failure leaves unwritten goes back to the
  // front of the buffer for the next attempt. mutex_ held.
  Expected<void> flush_locked() {
    std::vector<pg::Params> batch;
    {
      std::lock_guard buffer(buffer_mutex_);
      batch.swap(pending_);
    }
    for (std::size_t begin = 0; begin < batch.size(); begin += kRequestBatchSize) {
      const auto end = std::min(batch.size(), begin + kRequestBatchSize);
      if (auto written = db_.copy_rows(kCopyRequests, batch, begin, end); !written) {
        std::lock_guard buffer(buffer_mutex_);
        pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin() + begin),
                        std::make_move_iterator(batch.end()));
        return std::unexpected(std::move(written).error());
      }
    }
    return {};
  }

  void flush_periodically() {
    for (;;) {
      {
        std::unique_lock buffer(buffer_mutex_);
        wake_.wait_for(buffer, kFlushInterval,
                       [this] { return stopping_ || pending_.size() >= kRequestBatchSize; });
        if (stopping_) return;
      }
      std::lock_guard lock(mutex_);
      auto ok = flush_locked();
      if (ok) ok = top_up_ids();
      if (!ok) {
        std::lock_guard buffer(buffer_mutex_);
        if (!deferred_error_) deferred_error_ = ok.error();
      }
    }
  }

  std::string display_;
  pg::Connection db_;
  // The connection. Recursive: a RequestVisitor may call back into the store.
  // Taken before buffer_mutex_ whenever both are held.
  std::recursive_mutex mutex_;
  // The request buffer and what is needed to fill it without the database.
  std::mutex buffer_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<pg::Params> pending_;
  std::optional<Failure> deferred_error_;
  std::deque<std::int64_t> free_ids_;
  std::map<std::int64_t, std::int64_t> next_seq_;
  std::thread flusher_;
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
