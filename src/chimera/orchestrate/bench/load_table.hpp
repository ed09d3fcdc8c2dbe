#pragma once
// The latency–throughput table of a run measured at several load levels
// (--concurrency lists, --rate lists, --rate sweep): one row per
// configuration that has load aggregates, the first saturated row, and the
// highest load whose p95 met the SLOs. The rows read only the report, so a
// report read back from JSON gives the same table.

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "chimera/load/slo.hpp"
#include "chimera/load/sweep.hpp"
#include "chimera/report/model.hpp"

namespace chimera::orchestrate {

// nullopt for a configuration without load aggregates (read back from an older store).
std::optional<load::LoadRow> load_row(const report::ConfigurationResult& configuration);

// Rows of every configuration with load aggregates, in report order.
std::vector<load::LoadRow> load_rows(const report::BenchReport& report);

// {"rows": [...], "saturation": {...}, "slo": "...", "highest_meeting_slo": row or null};
// null when fewer than two configurations have load aggregates. A --rate
// sweep's table (its first row is the synchronous step) also has
// "throughput_search" {levels, done, stopped, knee, throughput}, judges
// saturation and the SLO on its rate steps only, and gives the highest rate
// meeting the SLO its "confirmation" {label, achieved_rate, requests, met}.
nlohmann::json load_table_json(const report::BenchReport& report,
                               const std::optional<load::Slo>& slo);

}  // namespace chimera::orchestrate
