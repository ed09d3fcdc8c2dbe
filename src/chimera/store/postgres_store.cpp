#include "chimera/store/postgres_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
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

// The requests table's columns, in request_params() order.
constexpr const char* kRequestColumns =
    "id, run_id, configuration_id, seq, request_key, started_at, warmup, status, error_kind, "
    "error_message, http_status, ttft_ms, e2e_ms, tpot_ms, decode_tps, output_tokens, "
    "output_tokens_estimated, client_overhead_ms, load_ms, prompt_eval_ms, prompt_eval_count, "
    "eval_ms, eval_count, total_ms, cold, raw, scheduled_send_s, send_s";
constexpr int kRequestColumnCount = 28;

// One request's values in kRequestColumns order.
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

// INSERT of `rows` rows in kRequestColumns order that skips a row already
// stored (the same id): a batch sent again after its outcome was lost.
std::string insert_requests_sql(std::size_t rows) {
  // The id column is an identity column: the ids given are the rows' own.
  std::string sql =
      fmt::format("INSERT INTO requests ({}) OVERRIDING SYSTEM VALUE VALUES ", kRequestColumns);
  int n = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int column = 0; column < kRequestColumnCount; ++column) {
      sql += column == 0 ? "$" : ", $";
      sql += std::to_string(++n);
    }
    sql += ")";
  }
  return sql + " ON CONFLICT (id) DO NOTHING";
}

// A recorded request until it is written. Its id (from the table's identity
// sequence) and seq are given before its first write and kept, so a batch
// whose outcome is unknown (the server was lost before it answered) goes
// again with the same ids and is stored once.
struct PendingRow {
  std::int64_t run_id = 0;
  std::int64_t configuration_id = 0;
  measure::RequestResult request;
  std::int64_t id = 0;  // 0: not numbered yet
  std::int64_t seq = 0;
  bool sent = false;  // written before without a known outcome
};

class PostgresStore final : public ResultStore {
 public:
  PostgresStore(std::string display, pg::Connection conn)
      : display_(std::move(display)), db_(std::move(conn)) {}
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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
    flusher_ = std::thread([this] { flush_periodically(); });
    return {};
  }

  std::string description() const override { return display_; }

  // Inside a batch the writer thread is only woken (the recording thread
  // never waits for the database); a failure it met since is returned once.
  Expected<void> flush() override {
    if (batch_depth_.load() > 0) {
      wake_.notify_one();
      std::lock_guard buffer(buffer_mutex_);
      if (!deferred_error_) return {};
      auto error = std::move(*deferred_error_);
      deferred_error_.reset();
      return std::unexpected(std::move(error));
    }
    std::lock_guard lock(mutex_);
    return flush_locked();
  }

  void begin_batch() override { ++batch_depth_; }

  Expected<void> end_batch() override {
    if (batch_depth_.load() > 0) --batch_depth_;
    std::lock_guard lock(mutex_);
    return flush_locked();
  }

  std::vector<UnstoredRequest> take_unstored() override {
    std::lock_guard lock(mutex_);  // no write in progress
    std::vector<PendingRow> rows;
    {
      std::lock_guard buffer(buffer_mutex_);
      rows.swap(pending_);
      deferred_error_.reset();
    }
    std::vector<UnstoredRequest> out;
    out.reserve(rows.size());
    for (auto& row : rows) out.push_back({row.configuration_id, std::move(row.request)});
    return out;
  }

  Expected<std::int64_t> begin_run(const RunInfo& run) override {
    std::lock_guard lock(mutex_);
    const std::string started = run.started_at.empty() ? utc_now_iso8601() : run.started_at;
    const std::string owner = run.owner.empty() ? current_process_owner() : run.owner;
    pg::Params p;
    p.add(to_string(run.kind))
        .add(run.fingerprint)
        .add(started)
        .add(to_string(run.status))
        .add(run.simulated)
        .add(dump_json(redact_credentials(run.args)))
        .add(run.tool_version)
        .add(owner);
    pg::Params same;  // the row this process inserted, if it did
    same.add(to_string(run.kind)).add(run.fingerprint).add(started).add(owner);
    return insert_once(
        "INSERT INTO runs (kind, fingerprint, started_at, finished_at, status, "
        "simulated, args, tool_version, owner) VALUES ($1, $2, $3, NULL, $4, $5, "
        "$6, $7, $8) RETURNING id",
        p,
        "SELECT id FROM runs WHERE kind = $1 AND fingerprint = $2 AND "
        "started_at = $3 AND owner = $4 ORDER BY id DESC LIMIT 1",
        same);
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
    CHIMERA_TRY(r, query_again("SELECT id FROM runs WHERE kind = $1 AND fingerprint = $2 AND "
                               "status IN ($3, $4, $5) ORDER BY id DESC LIMIT 1",
                               p));
    if (r->rows() == 0) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{r->int64(0, 0)};
  }

  Expected<std::vector<RunInfo>> runs() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(r, query_again(fmt::format("SELECT {} FROM runs ORDER BY id", kRunColumns)));
    std::vector<RunInfo> out;
    for (int row = 0; row < r->rows(); ++row) out.push_back(run_from_row(PgRow{*r, row}));
    return out;
  }

  Expected<RunInfo> run(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id);
    CHIMERA_TRY(r, query_again(fmt::format("SELECT {} FROM runs WHERE id = $1", kRunColumns), p));
    if (r->rows() == 0) {
      return fail(FailureKind::kNotFound,
                  fmt::format("run {} is not in {}; 'chimera report --list' shows the runs", run_id,
                              description()));
    }
    return run_from_row(PgRow{*r, 0});
  }

  Expected<std::optional<std::int64_t>> latest_run_id() override {
    std::lock_guard lock(mutex_);
    CHIMERA_TRY(r, query_again("SELECT MAX(id) FROM runs"));
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
    pg::Params same;
    same.add(run_id).add(c.ordinal).add(c.key);
    CHIMERA_TRY(id, insert_once("INSERT INTO configurations (run_id, ordinal, config_key, label, "
                                "backend, endpoint, model, api, options, status) VALUES ($1, $2, "
                                "$3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                                p,
                                "SELECT id FROM configurations WHERE run_id = $1 AND ordinal = "
                                "$2 AND config_key = $3 ORDER BY id DESC LIMIT 1",
                                same));
    next_seq_.try_emplace(*id, 1);  // a new configuration has no requests yet
    return *id;
  }

  Expected<std::vector<ConfigurationRecord>> configurations(std::int64_t run_id) override {
    std::lock_guard lock(mutex_);
    pg::Params p;
    p.add(run_id);
    CHIMERA_TRY(r, query_again("SELECT id, run_id, ordinal, config_key, label, backend, endpoint, "
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

  // Never waits for the database unless the writer fell kMaxBufferedRequests
  // behind a reachable server; while the server is lost, rows wait here.
  Expected<std::int64_t> record_request(std::int64_t run_id, std::int64_t configuration_id,
                                        const measure::RequestResult& r) override {
    std::size_t buffered = 0;
    {
      std::lock_guard buffer(buffer_mutex_);
      pending_.push_back(PendingRow{run_id, configuration_id, r});
      buffered = pending_.size();
    }
    if (buffered >= kMaxBufferedRequests && !lost_.load()) {
      std::lock_guard lock(mutex_);
      CHIMERA_TRY(flushed, flush_locked());
    } else if (buffered >= kRequestBatchSize) {
      wake_.notify_one();
    }
    return std::int64_t{0};  // the id is given when the row is written
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
      CHIMERA_TRY(
          r, query_again("SELECT r.configuration_id, r.raw, c.ordinal, r.seq FROM requests r "
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
    CHIMERA_TRY(r, query_again("SELECT COUNT(*) FROM requests WHERE configuration_id = $1", p));
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
    CHIMERA_TRY(r, query_again("SELECT inventory FROM inventories WHERE run_id = $1", p));
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
    CHIMERA_TRY(r, query_again("SELECT id, run_id, run_index, agent, persona, profile, model, "
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
  // A statement that may simply run again: one that failed because the
  // server was lost runs once more, after the connection came back (the
  // reconnection waits within the limit).
  Expected<pg::Result> query_again(const std::string& sql, const pg::Params& params = {}) {
    auto r = db_.query(sql, params);
    if (!r && r.error().kind == FailureKind::kConnect) r = db_.query(sql, params);
    return r;
  }

  Expected<void> command(const std::string& sql, const pg::Params& params) {
    CHIMERA_TRY(r, query_again(sql, params));
    return {};
  }

  // An INSERT ... RETURNING id that the server may have committed before it
  // was lost: when it failed that way, `lookup` finds the row it made before
  // it is inserted again.
  Expected<std::int64_t> insert_once(const std::string& insert, const pg::Params& params,
                                     const std::string& lookup, const pg::Params& key) {
    auto r = db_.query(insert, params);
    if (!r && r.error().kind == FailureKind::kConnect) {
      CHIMERA_TRY(found, db_.query(lookup, key));
      if (found->rows() > 0) return found->int64(0, 0);
      r = db_.query(insert, params);
    }
    if (!r) return std::unexpected(std::move(r).error());
    return r->int64(0, 0);
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

  // Makes sure `count` request ids are in stock (taken from the table's
  // identity sequence a block at a time). A server that crashed can hand
  // out again increments it had not yet logged: a block at or below an id
  // this process already gave out moves the sequence past it first, so no
  // two rows ever share an id. mutex_ held.
  Expected<void> reserve_ids(std::size_t count) {
    if (free_ids_.size() >= count) return {};
    pg::Params p;
    p.add(static_cast<std::int64_t>(std::max(kIdBlock, count - free_ids_.size())));
    const std::string take =
        "SELECT nextval(pg_get_serial_sequence('requests', 'id')) FROM generate_series(1, $1)";
    CHIMERA_TRY(r, db_.query(take, p));
    if (r->rows() > 0 && r->int64(0, 0) <= highest_id_) {
      pg::Params past;
      past.add(highest_id_);
      CHIMERA_TRY(moved,
                  db_.query("SELECT setval(pg_get_serial_sequence('requests', 'id'), $1)", past));
      CHIMERA_TRY(again, db_.query(take, p));
      *r = std::move(*again);
    }
    for (int row = 0; row < r->rows(); ++row) {
      free_ids_.push_back(r->int64(row, 0));
      highest_id_ = std::max(highest_id_, free_ids_.back());
    }
    return {};
  }

  // The next seq of a configuration (one recorded by an earlier process
  // continues after its last stored row). mutex_ held.
  Expected<std::int64_t> next_seq(std::int64_t configuration_id) {
    auto it = next_seq_.find(configuration_id);
    if (it == next_seq_.end()) {
      pg::Params p;
      p.add(configuration_id);
      CHIMERA_TRY(
          r, db_.query("SELECT COALESCE(MAX(seq), 0) + 1 FROM requests WHERE configuration_id = $1",
                       p));
      it = next_seq_.emplace(configuration_id, r->int64(0, 0)).first;
    }
    return it->second++;
  }

  // Gives an id and a seq to every row that has none yet. mutex_ held.
  Expected<void> number_rows(std::vector<PendingRow>& rows) {
    const auto fresh = static_cast<std::size_t>(
        std::count_if(rows.begin(), rows.end(), [](const PendingRow& r) { return r.id == 0; }));
    CHIMERA_TRY(reserved, reserve_ids(fresh));
    for (auto& row : rows) {
      if (row.id != 0) continue;
      CHIMERA_TRY(seq, next_seq(row.configuration_id));
      row.id = free_ids_.front();
      free_ids_.pop_front();
      row.seq = *seq;
    }
    return {};
  }

  // Rows [begin, end) in one statement, its own transaction: COPY, the
  // fastest way in, for rows never sent; INSERT ... ON CONFLICT (id) DO
  // NOTHING when one of them was sent before without a known outcome.
  Expected<void> write_batch(std::vector<PendingRow>& rows, std::size_t begin, std::size_t end) {
    bool again = false;
    std::vector<pg::Params> values;
    values.reserve(end - begin);
    for (auto i = begin; i < end; ++i) {
      auto& row = rows[i];
      again = again || row.sent;
      row.sent = true;
      values.push_back(
          request_params(row.id, row.run_id, row.configuration_id, row.seq, row.request));
    }
    if (!again) {
      return db_.copy_rows(fmt::format("COPY requests ({}) FROM STDIN", kRequestColumns), values, 0,
                           values.size());
    }
    pg::Params all;
    for (const auto& v : values) all.append(v);
    CHIMERA_TRY(inserted, db_.query(insert_requests_sql(values.size()), all));
    return {};
  }

  // Writes every buffered request, kRequestBatchSize rows per statement;
  // what a failure leaves unwritten goes back to the front of the buffer,
  // numbered, for the next attempt. mutex_ held.
  Expected<void> flush_locked() {
    std::vector<PendingRow> batch;
    {
      std::lock_guard buffer(buffer_mutex_);
      batch.swap(pending_);
    }
    std::size_t written = 0;
    auto result = number_rows(batch);
    while (result && written < batch.size()) {
      const auto end = std::min(batch.size(), written + kRequestBatchSize);
      result = write_batch(batch, written, end);
      if (result) written = end;
    }
    if (!result) {
      std::lock_guard buffer(buffer_mutex_);
      pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin() + written),
                      std::make_move_iterator(batch.end()));
    }
    // Ids in stock when the server was lost may be handed out again after
    // its restart: take fresh ones.
    if (db_.lost()) free_ids_.clear();
    lost_.store(db_.lost());
    return result;
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
      if (auto ok = flush_locked(); !ok) {
        std::lock_guard buffer(buffer_mutex_);
        if (!deferred_error_) deferred_error_ = ok.error();
      }
    }
  }

  std::string display_;
  pg::Connection db_;
  // The connection, the id stock and the seq counters. Recursive: a
  // RequestVisitor may call back into the store. Taken before buffer_mutex_
  // whenever both are held.
  std::recursive_mutex mutex_;
  std::deque<std::int64_t> free_ids_;
  std::int64_t highest_id_ = 0;  // the highest request id this process was given
  std::map<std::int64_t, std::int64_t> next_seq_;
  // The request buffer, filled without the database.
  std::mutex buffer_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<PendingRow> pending_;
  std::optional<Failure> deferred_error_;  // the writer thread's, for flush()
  std::atomic<int> batch_depth_{0};
  std::atomic<bool> lost_{false};  // the server was lost at the last write
  std::thread flusher_;
};

}  // namespace

Expected<std::unique_ptr<ResultStore>> open_postgresql_store(const std::string& url,
                                                             const StoreOptions& options) {
  const auto display = redact_store_url(url);
  pg::ReconnectPolicy policy;
  policy.limit = options.reconnect_limit;
  auto conn = pg::Connection::open(url, policy);
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
