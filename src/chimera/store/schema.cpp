#include "chimera/store/schema.hpp"

#include <fmt/format.h>

namespace chimera::store {

namespace {

// The runs and the configurations measured in them.
std::string runs_and_configurations(const std::string& id_column) {
  return fmt::format(R"sql(
CREATE TABLE runs (
  id {id},
  kind TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  simulated INTEGER NOT NULL,
  args TEXT NOT NULL,
  tool_version TEXT NOT NULL
);
CREATE INDEX runs_by_fingerprint ON runs (kind, fingerprint, status);

CREATE TABLE configurations (
  id {id},
  run_id BIGINT NOT NULL REFERENCES runs (id),
  ordinal INTEGER NOT NULL,
  config_key TEXT NOT NULL,
  label TEXT NOT NULL,
  backend TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  api TEXT NOT NULL,
  options TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX configurations_by_run ON configurations (run_id, ordinal);
)sql",
                     fmt::arg("id", id_column));
}

// One row per request.
std::string requests_table(const std::string& id_column) {
  return fmt::format(R"sql(
CREATE TABLE requests (
  id {id},
  run_id BIGINT NOT NULL REFERENCES runs (id),
  configuration_id BIGINT NOT NULL REFERENCES configurations (id),
  seq INTEGER NOT NULL,
  request_key TEXT NOT NULL,
  started_at TEXT NOT NULL,
  warmup INTEGER NOT NULL,
  status TEXT NOT NULL,
  error_kind TEXT NOT NULL,
  error_message TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  ttft_ms DOUBLE PRECISION,
  e2e_ms DOUBLE PRECISION,
  tpot_ms DOUBLE PRECISION,
  decode_tps DOUBLE PRECISION,
  output_tokens BIGINT NOT NULL,
  output_tokens_estimated INTEGER NOT NULL,
  client_overhead_ms DOUBLE PRECISION,
  load_ms DOUBLE PRECISION,
  prompt_eval_ms DOUBLE PRECISION,
  prompt_eval_count BIGINT,
  eval_ms DOUBLE PRECISION,
  eval_count BIGINT,
  total_ms DOUBLE PRECISION,
  cold INTEGER NOT NULL,
  raw TEXT NOT NULL
);
CREATE INDEX requests_by_configuration ON requests (configuration_id, seq);
CREATE INDEX requests_by_run ON requests (run_id);
)sql",
                     fmt::arg("id", id_column));
}

// The agents of a `chimera run` and each run's artifact inventory.
std::string agents_and_inventories(const std::string& id_column) {
  return fmt::format(R"sql(
CREATE TABLE agents (
  id {id},
  run_id BIGINT NOT NULL REFERENCES runs (id),
  run_index INTEGER NOT NULL,
  agent TEXT NOT NULL,
  persona TEXT NOT NULL,
  profile TEXT NOT NULL,
  model TEXT NOT NULL,
  metrics TEXT NOT NULL,
  report_path TEXT NOT NULL
);
CREATE INDEX agents_by_run ON agents (run_id, run_index);

CREATE TABLE inventories (
  run_id BIGINT PRIMARY KEY REFERENCES runs (id),
  inventory TEXT NOT NULL
);
)sql",
                     fmt::arg("id", id_column));
}

// Version 1. Each request keeps its full record (raw samples such as
// itl_ms included) as JSON in `raw`, the source of truth when reading back;
// the metric columns beside it exist so that SQL can filter and aggregate.
std::string version_1(const std::string& id_column) {
  return runs_and_configurations(id_column) + requests_table(id_column) +
         agents_and_inventories(id_column);
}

// Version 2: which process owns a run ("host pid start-time"), so that a
// run left `running` by a process that no longer exists can be told apart
// from one still in progress.
std::string version_2() {
  return "ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';";
}

// Version 3: distributed sweeps. A sweep's cells are a queue that workers
// on any machine lease one at a time; a cell points at the configuration
// that finished it, so a cell redone after its worker died is read once.
// Lease times come from the database server's clock, never a worker's.
// `permits` bounds the cells leased at once, across sweeps, per endpoint.
std::string version_3(const std::string& id_column) {
  return fmt::format(R"sql(
CREATE TABLE sweeps (
  id {id},
  fingerprint TEXT NOT NULL UNIQUE,
  spec TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  permits INTEGER NOT NULL,
  run_id BIGINT REFERENCES runs (id),
  state TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE sweep_cells (
  id {id},
  sweep_id BIGINT NOT NULL REFERENCES sweeps (id),
  ordinal INTEGER NOT NULL,
  cell_key TEXT NOT NULL,
  spec TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at TIMESTAMPTZ,
  heartbeat_at TIMESTAMPTZ,
  configuration_id BIGINT UNIQUE REFERENCES configurations (id),
  last_error TEXT,
  UNIQUE (sweep_id, cell_key)
);
CREATE INDEX sweep_cells_by_state ON sweep_cells (sweep_id, state, ordinal);
)sql",
                     fmt::arg("id", id_column));
}

// Version 4: each request's send times (seconds on its configuration's
// clock): when an open-loop schedule said to send it (NULL in a closed
// loop) and when the client was about to write it, so send lateness can
// be queried per request. Rows written before have NULL in both.
std::string version_4() {
  return "ALTER TABLE requests ADD COLUMN scheduled_send_s DOUBLE PRECISION;\n"
         "ALTER TABLE requests ADD COLUMN send_s DOUBLE PRECISION;";
}

}  // namespace

std::vector<Migration> schema_migrations(const std::string& id_column) {
  return {Migration{1, version_1(id_column)}, Migration{2, version_2()},
          Migration{3, version_3(id_column)}, Migration{4, version_4()}};
}

int current_schema_version() {
  return schema_migrations(kSqliteIdColumn).back().version;
}

}  // namespace chimera::store
