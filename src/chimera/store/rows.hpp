#pragma once
// Reading the store's records back from a result row, the same for SQLite
// and PostgreSQL. A Row has `std::int64_t int64(int column)` and
// `std::string text(int column)`; each backend adapts its own cursor.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "chimera/measure/request.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"

namespace chimera::store {

// The stored JSON, or `fallback` where the text is not JSON.
nlohmann::json parse_json_or(const std::string& text, nlohmann::json fallback);

// The columns run_from_row() reads, in its order.
inline constexpr const char* kRunColumns =
    "id, kind, fingerprint, started_at, finished_at, status, simulated, args, tool_version, "
    "owner";

template <typename Row>
RunInfo run_from_row(const Row& row) {
  RunInfo r;
  r.id = row.int64(0);
  r.kind = run_kind_from_string(row.text(1)).value_or(RunKind::kBench);
  r.fingerprint = row.text(2);
  r.started_at = row.text(3);
  r.finished_at = row.text(4);
  r.status = run_status_from_string(row.text(5)).value_or(RunStatus::kFailed);
  r.simulated = row.int64(6) != 0;
  r.args = parse_json_or(row.text(7), nlohmann::json::object());
  r.tool_version = row.text(8);
  r.owner = row.text(9);
  return r;
}

// SELECT id, run_id, ordinal, config_key, label, backend, endpoint, model,
// api, options, status FROM configurations
template <typename Row>
ConfigurationRecord configuration_from_row(const Row& row) {
  ConfigurationRecord c;
  c.id = row.int64(0);
  c.run_id = row.int64(1);
  c.ordinal = static_cast<int>(row.int64(2));
  c.key = row.text(3);
  c.label = row.text(4);
  c.backend = row.text(5);
  c.endpoint = row.text(6);
  c.model = row.text(7);
  c.api = row.text(8);
  c.options = parse_json_or(row.text(9), nlohmann::json::object());
  c.status = configuration_status_from_string(row.text(10)).value_or(ConfigurationStatus::kPending);
  return c;
}

// SELECT id, run_id, run_index, agent, persona, profile, model, metrics,
// report_path FROM agents
template <typename Row>
AgentRecord agent_from_row(const Row& row) {
  AgentRecord a;
  a.id = row.int64(0);
  a.run_id = row.int64(1);
  a.run_index = static_cast<int>(row.int64(2));
  a.agent = row.text(3);
  a.persona = row.text(4);
  a.profile = row.text(5);
  a.model = row.text(6);
  a.metrics = parse_json_or(row.text(7), nlohmann::json::object());
  a.report_path = row.text(8);
  return a;
}

// A request from its `raw` column; a row that is not JSON fails, naming the
// run and the store.
Expected<measure::RequestResult> stored_request(const std::string& raw, std::int64_t run_id,
                                                const std::string& store_description);

}  // namespace chimera::store
