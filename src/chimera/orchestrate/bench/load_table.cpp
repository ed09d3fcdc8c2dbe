#include "chimera/orchestrate/bench/load_table.hpp"

#include <string>

namespace chimera::orchestrate {
namespace {

void percentiles(const report::ConfigurationResult& c, report::Metric metric,
                 std::optional<double>& p50, std::optional<double>& p95,
                 std::optional<double>& p99) {
  if (const auto* s = c.warm_summary(metric)) {
    p50 = s->p50;
    p95 = s->p95;
    p99 = s->p99;
  }
}

// HTTP 429 and 503: the server said its queue was full.
std::int64_t rejected(const report::ConfigurationResult& c) {
  std::int64_t n = 0;
  for (const auto& [reason, count] : c.error_reasons) {
    if (reason.find("429") != std::string::npos || reason.find("503") != std::string::npos) {
      n += count;
    }
  }
  return n;
}

}  // namespace

std::optional<load::LoadRow> load_row(const report::ConfigurationResult& c) {
  if (!c.load.is_object() || !c.load.contains("throughput")) return std::nullopt;
  const auto& t = c.load["throughput"];
  const auto& mode = c.load.value("mode", nlohmann::json::object());
  load::LoadRow row;
  row.label = c.label;
  if (mode.value("loop", "") == "open") {
    row.target_rate = mode.value("rate", 0.0);
  } else if (mode.contains("concurrency")) {
    row.concurrency = mode["concurrency"].get<int>();
  }
  // Null when nothing was sent (no duration); such a row sends no rate to the
  // table (to_json(LoadRow)), so the 0 here is never printed.
  row.achieved_rate = report::json_number(t, "requests_per_s").value_or(0.0);
  row.output_tokens_per_s = report::json_number(t, "output_tokens_per_s").value_or(0.0);
  if (t.contains("goodput_per_s") && t["goodput_per_s"].is_number()) {
    row.goodput_per_s = t["goodput_per_s"].get<double>();
  }
  percentiles(c, report::Metric::kTtftMs, row.ttft_p50_ms, row.ttft_p95_ms, row.ttft_p99_ms);
  percentiles(c, report::Metric::kTpotMs, row.tpot_p50_ms, row.tpot_p95_ms, row.tpot_p99_ms);
  percentiles(c, report::Metric::kE2eMs, row.e2e_p50_ms, row.e2e_p95_ms, row.e2e_p99_ms);
  row.requests = c.counts.total - c.counts.warmup;
  row.errors = c.counts.error + c.counts.empty;
  row.rejected = rejected(c);
  return row;
}

std::vector<load::LoadRow> load_rows(const report::BenchReport& report) {
  std::vector<load::LoadRow> rows;
  for (const auto& c : report.configurations) {
    if (auto row = load_row(c)) rows.push_back(std::move(*row));
  }
  return rows;
}

nlohmann::json load_table_json(const report::BenchReport& report,
                               const std::optional<load::Slo>& slo) {
  const auto rows = load_rows(report);
  if (rows.size() < 2) return nullptr;
  nlohmann::json j;
  auto& out = j["rows"] = nlohmann::json::array();
  for (const auto& row : rows) out.push_back(load::to_json(row));
  const auto saturation = load::detect_saturation(rows);
  j["saturation"] = {
      {"saturated", saturation.saturated},
      {"row", saturation.saturated ? nlohmann::json(saturation.step) : nullptr},
      {"label", saturation.saturated ? nlohmann::json(rows[saturation.step].label) : nullptr},
      {"reason", saturation.reason}};
  j["slo"] = slo ? nlohmann::json(load::to_string(*slo)) : nullptr;
  if (slo) {
    auto bound = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nullptr; };
    j["slo_bounds"] = {{"ttft_ms", bound(slo->ttft_ms)},
                       {"tpot_ms", bound(slo->tpot_ms)},
                       {"e2e_ms", bound(slo->e2e_ms)}};
  }
  j["highest_meeting_slo"] = nullptr;
  if (slo) {
    if (auto best = load::highest_rate_meeting(*slo, rows)) {
      j["highest_meeting_slo"] = {{"row", *best},
                                  {"label", rows[*best].label},
                                  {"achieved_rate", to_json(rows[*best])["achieved_rate"]}};
    }
  }
  return j;
}

}  // namespace chimera::orchestrate
