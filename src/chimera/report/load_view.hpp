#pragma once
// The load aggregates of a configuration (ConfigurationResult::load) and the
// run's latency-throughput table (BenchReport::load_table) as every reporter
// shows them: named figures for the long CSV, lines for the console and
// Markdown, rows for the HTML load curve. Other tools' names appear beside
// Chimera's (vllm.tpot_ms, genai_perf.inter_token_latency_ms, guidellm.itl_ms, ...).

#include <optional>
#include <string>
#include <vector>

#include "chimera/report/html/charts.hpp"
#include "chimera/report/model.hpp"

namespace chimera::report {

// One figure: a single value (requests_per_s) or a distribution (lateness_ms).
struct LoadFigure {
  std::string name;  // "throughput.requests_per_s", "schedule.lateness_ms", "vllm.tpot_ms"
  std::string unit;
  std::optional<double> value{};                                         // single-valued figures
  std::optional<double> n{}, mean{}, p50{}, p90{}, p95{}, p99{}, max{};  // distributions
};
std::vector<LoadFigure> load_figures(const ConfigurationResult& configuration);

// "throughput: 4.98 req/s, 318.7 output tok/s, ..." and the schedule line; empty without load.
std::vector<std::string> load_lines(const ConfigurationResult& configuration);

// The latency-throughput table: a header row then one row per load level,
// followed by the saturation and SLO sentences; empty without a table.
std::vector<std::vector<std::string>> load_table_rows(const BenchReport& report);
std::vector<std::string> load_table_notes(const BenchReport& report);

// The HTML load curve's points and SLO lines.
std::vector<html::LoadPoint> load_curve_points(const BenchReport& report);
html::LoadSlo load_curve_slo(const BenchReport& report);

}  // namespace chimera::report
