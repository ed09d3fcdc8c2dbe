#include "chimera/store/sweep_queue.hpp"

#include <fmt/format.h>

#include "chimera/store/pg_db.hpp"
#include "chimera/store/store.hpp"

namespace chimera::store {
namespace {

// The states a cell goes through: pending → leased → done, or back to pending
// when its worker gives it up or its lease expires; failed after too many tries.
constexpr const char* kClaimSql = R"sql(
WITH next AS (
  SELECT c.id FROM sweep_cells c JOIN sweeps s ON s.id = c.sweep_id
  WHERE ($1::BIGINT IS NULL OR c.sweep_id = $1::BIGINT)
    AND (c.state = 'pending' OR (c.state = 'leased' AND c.lease_expires_at < clock_timestamp()))
    AND (s.permits = 0 OR s.permits > (
      SELECT COUNT(*) FROM sweep_cells h JOIN sweeps hs ON hs.id = h.sweep_id
      WHERE hs.endpoint = s.endpoint AND h.state = 'leased'
        AND h.lease_expires_at >= clock_timestamp()))
  ORDER BY c.sweep_id, c.ordinal
  LIMIT 1
  FOR UPDATE OF c SKIP LOCKED
)
UPDATE sweep_cells c
SET state = 'leased', attempts = c.attempts + 1, lease_owner = $2,
    lease_expires_at = clock_timestamp() + make_interval(secs => $3::DOUBLE PRECISION),
    heartbeat_at = clock_timestamp()
FROM next, sweeps s
WHERE c.id = next.id AND s.id = c.sweep_id
RETURNING c.id, c.sweep_id, s.run_id, c.ordinal, c.attempts, c.cell_key, c.spec, s.spec
)sql";

nlohmann::json parse_json(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, false);
}

class PostgresSweepQueue final : public SweepQueue {
 public:
  explicit PostgresSweepQueue(pg::Connection db) : db_(std::move(db)) {}

  Expected<Registration> register_sweep(
      const std::string& fingerprint, const nlohmann::json& spec, const SweepEndpoint& endpoint,
      const std::vector<SweepCell>& cells,
      const std::function<Expected<std::int64_t>()>& make_run) override {
    CHIMERA_TRY(begun, db_.exec("BEGIN"));
    auto registered = register_in_transaction(fingerprint, spec, endpoint, cells, make_run);
    if (!registered) {
      (void)db_.exec("ROLLBACK");
      return registered;
    }
    CHIMERA_TRY(committed, db_.exec("COMMIT"));
    return registered;
  }

  Expected<std::optional<Lease>> claim(std::optional<std::int64_t> sweep_id,
                                       const std::string& owner, double lease_seconds) override {
    // Claims are serialised (one short statement each, once per cell) so
    // that two workers cannot both take an endpoint's last permit.
    CHIMERA_TRY(begun, db_.exec("BEGIN; SELECT pg_advisory_xact_lock(7236039465822541);"));
    auto r = db_.query(kClaimSql, pg::Params().add(sweep_id).add(owner).add(lease_seconds));
    if (!r) {
      (void)db_.exec("ROLLBACK");
      return std::unexpected(r.error());
    }
    CHIMERA_TRY(committed, db_.exec("COMMIT"));
    if (r->rows() == 0) return std::optional<Lease>{};
    Lease lease;
    lease.cell_id = r->int64(0, 0);
    lease.sweep_id = r->int64(0, 1);
    lease.run_id = r->int64(0, 2);
    lease.ordinal = static_cast<int>(r->int64(0, 3));
    lease.attempts = static_cast<int>(r->int64(0, 4));
    lease.key = r->text(0, 5);
    lease.cell_spec = parse_json(r->text(0, 6));
    lease.sweep_spec = parse_json(r->text(0, 7));
    return std::optional<Lease>{std::move(lease)};
  }

  Expected<bool> renew(std::int64_t cell_id, const std::string& owner,
                       double lease_seconds) override {
    CHIMERA_TRY(r, db_.query("UPDATE sweep_cells SET lease_expires_at = clock_timestamp() + "
                             "make_interval(secs => $3::DOUBLE PRECISION), heartbeat_at = "
                             "clock_timestamp() WHERE id = $1 AND lease_owner = $2 AND state = "
                             "'leased' RETURNING id",
                             pg::Params().add(cell_id).add(owner).add(lease_seconds)));
    return r->rows() == 1;
  }

  Expected<bool> complete(std::int64_t cell_id, const std::string& owner,
                          std::int64_t configuration_id) override {
    // Done already by this owner with this configuration: the same call
    // again after its answer was lost with the server.
    CHIMERA_TRY(r, db_.query("UPDATE sweep_cells SET state = 'done', configuration_id = $3, "
                             "heartbeat_at = clock_timestamp() WHERE id = $1 AND lease_owner = $2 "
                             "AND (state = 'leased' OR (state = 'done' AND configuration_id = "
                             "$3::BIGINT)) RETURNING id",
                             pg::Params().add(cell_id).add(owner).add(configuration_id)));
    return r->rows() == 1;
  }

  Expected<void> fail(std::int64_t cell_id, const std::string& owner, const std::string& message,
                      int max_attempts) override {
    CHIMERA_TRY(r, db_.query("UPDATE sweep_cells SET state = CASE WHEN attempts >= $4 THEN "
                             "'failed' ELSE 'pending' END, last_error = $3 WHERE id = $1 AND "
                             "lease_owner = $2 AND state = 'leased' RETURNING id",
                             pg::Params().add(cell_id).add(owner).add(message).add(max_attempts)));
    return {};
  }

  Expected<int> remaining(std::int64_t sweep_id) override {
    CHIMERA_TRY(r, db_.query("SELECT COUNT(*) FROM sweep_cells WHERE sweep_id = $1 AND state NOT "
                             "IN ('done', 'failed')",
                             pg::Params().add(sweep_id)));
    return static_cast<int>(r->int64(0, 0));
  }

  Expected<SweepStatus> status(std::int64_t sweep_id) override;

  Expected<std::vector<std::int64_t>> open_sweeps() override {
    CHIMERA_TRY(r, db_.query("SELECT DISTINCT sweep_id FROM sweep_cells WHERE state NOT IN "
                             "('done', 'failed') ORDER BY sweep_id"));
    std::vector<std::int64_t> ids;
    for (int i = 0; i < r->rows(); ++i) ids.push_back(r->int64(i, 0));
    return ids;
  }

  Expected<std::optional<std::int64_t>> latest_sweep() override {
    CHIMERA_TRY(r, db_.query("SELECT MAX(id) FROM sweeps"));
    if (r->rows() == 0 || r->is_null(0, 0)) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{r->int64(0, 0)};
  }

 private:
  Expected<Registration> register_in_transaction(
      const std::string& fingerprint, const nlohmann::json& spec, const SweepEndpoint& endpoint,
      const std::vector<SweepCell>& cells,
      const std::function<Expected<std::int64_t>()>& make_run) {
    Registration out;
    out.cells = cells.size();
    CHIMERA_TRY(inserted,
                db_.query("INSERT INTO sweeps (fingerprint, spec, endpoint, permits, state, "
                          "created_at) VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT "
                          "(fingerprint) DO NOTHING RETURNING id",
                          pg::Params()
                              .add(fingerprint)
                              .add(spec.dump())
                              .add(endpoint.name)
                              .add(endpoint.permits)
                              .add(utc_now_iso8601())));
    if (inserted->rows() == 0) {
      CHIMERA_TRY(found, db_.query("SELECT id, run_id FROM sweeps WHERE fingerprint = $1",
                                   pg::Params().add(fingerprint)));
      out.sweep_id = found->int64(0, 0);
      out.run_id = found->is_null(0, 1) ? 0 : found->int64(0, 1);
      return out;
    }
    out.created = true;
    out.sweep_id = inserted->int64(0, 0);
    CHIMERA_TRY(run_id, make_run());
    out.run_id = *run_id;
    CHIMERA_TRY(linked, db_.query("UPDATE sweeps SET run_id = $2 WHERE id = $1",
                                  pg::Params().add(out.sweep_id).add(*run_id)));
    std::vector<pg::Params> rows;
    for (const auto& cell : cells) {
      rows.push_back(pg::Params()
                         .add(out.sweep_id)
                         .add(cell.ordinal)
                         .add(cell.key)
                         .add(cell.spec.dump())
                         .add("pending")
                         .add(0));
    }
    CHIMERA_TRY(copied, db_.copy_rows("COPY sweep_cells (sweep_id, ordinal, cell_key, spec, state, "
                                      "attempts) FROM STDIN",
                                      rows, 0, rows.size()));
    return out;
  }

  pg::Connection db_;
};

Expected<SweepStatus> PostgresSweepQueue::status(std::int64_t sweep_id) {
  SweepStatus out;
  out.sweep_id = sweep_id;
  CHIMERA_TRY(sweep,
              db_.query("SELECT run_id FROM sweeps WHERE id = $1", pg::Params().add(sweep_id)));
  if (sweep->rows() == 0)
    return chimera::fail(FailureKind::kNotFound, fmt::format("no sweep {}", sweep_id));
  out.run_id = sweep->is_null(0, 0) ? 0 : sweep->int64(0, 0);
  CHIMERA_TRY(states, db_.query("SELECT state, COUNT(*) FROM sweep_cells WHERE sweep_id = $1 "
                                "GROUP BY state",
                                pg::Params().add(sweep_id)));
  for (int i = 0; i < states->rows(); ++i) {
    const auto state = states->text(i, 0);
    const int n = static_cast<int>(states->int64(i, 1));
    if (state == "pending") out.pending = n;
    if (state == "leased") out.leased = n;
    if (state == "done") out.done = n;
    if (state == "failed") out.failed = n;
  }
  CHIMERA_TRY(workers,
              db_.query("SELECT lease_owner, SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), "
                        "SUM(CASE WHEN state = 'leased' THEN 1 ELSE 0 END), "
                        "to_char(MAX(heartbeat_at) AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sweep_cells WHERE sweep_id = $1 "
                        "AND lease_owner IS NOT NULL GROUP BY lease_owner ORDER BY lease_owner",
                        pg::Params().add(sweep_id)));
  for (int i = 0; i < workers->rows(); ++i) {
    out.workers.push_back(
        WorkerProgress{workers->text(i, 0), static_cast<int>(workers->int64(i, 1)),
                       static_cast<int>(workers->int64(i, 2)), workers->text(i, 3)});
  }
  return out;
}

}  // namespace

Expected<std::unique_ptr<SweepQueue>> open_sweep_queue(const std::string& url,
                                                       const StoreOptions& options) {
  CHIMERA_TRY(location, parse_store_url(url));
  if (location->kind != StoreLocation::Kind::kPostgresql) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("distributed sweeps need PostgreSQL (--store postgresql://...); '{}' "
                            "is a SQLite store",
                            redact_store_url(url)));
  }
  {
    CHIMERA_TRY(migrated, open_store(url, options));  // creates or migrates the schema
  }
  pg::ReconnectPolicy policy;
  policy.limit = options.reconnect_limit;
  auto conn = pg::Connection::open(url, policy);
  if (!conn) {
    return fail(conn.error().kind, fmt::format("Could not open results store '{}': {}",
                                               redact_store_url(url), conn.error().message));
  }
  return std::unique_ptr<SweepQueue>(std::make_unique<PostgresSweepQueue>(std::move(*conn)));
}

}  // namespace chimera::store
