#include "chimera/orchestrate/bench/load_table.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>

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
  row.step = c.load.value("sweep_step", "");
  if (mode.value("loop", "") == "open") {
    row.target_rate = mode.value("rate", 0.0);
  } else if (mode.contains("concurrency")) {
    row.concurrency = mode["concurrency"].get<int>();
  }
  // Null when nothing was sent (no duration); such a row sends no rate to the
  // table (to_json(LoadRow)), so the 0 here is never printed.
  row.achieved_rate = report::json_number(t, "requests_per_s").value_or(0.0);
  if (t.contains("completions_per_s") && t["completions_per_s"].is_number()) {
    row.completion_rate = t["completions_per_s"].get<double>();
  }
  if (const auto it = c.load.find("schedule"); it != c.load.end() && it->is_object()) {
    if (it->contains("scheduled_rate") && (*it)["scheduled_rate"].is_number() &&
        (*it)["scheduled_rate"].get<double>() > 0) {
      row.scheduled_rate = (*it)["scheduled_rate"].get<double>();
    }
  }
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

namespace {

std::vector<std::size_t> rows_of_steps(const std::vector<load::LoadRow>& rows,
                                       std::initializer_list<std::string_view> steps) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (auto step : steps) {
      if (rows[i].step == step) out.push_back(i);
    }
  }
  return out;
}

std::vector<load::LoadRow> pick(const std::vector<load::LoadRow>& rows,
                                const std::vector<std::size_t>& indices) {
  std::vector<load::LoadRow> out;
  for (auto i : indices) out.push_back(rows[i]);
  return out;
}

bool is_rate_sweep(const std::vector<load::LoadRow>& rows) {
  return !rows.empty() && rows.front().step == "synchronous";
}

// The rate sweep's throughput search: the knee, why the search stopped, and
// the throughput step that held the knee's concurrency (the measured maximum).
// Once the throughput step exists the search was over: if no level stopped
// it, the last level was the highest concurrency allowed.
nlohmann::json throughput_search_json(const std::vector<load::LoadRow>& rows) {
  const auto levels = rows_of_steps(rows, {"synchronous", "search"});
  const auto held = rows_of_steps(rows, {"throughput"});
  const int limit =
      held.empty() || levels.empty()
          ? load::kSearchMaxConcurrency
          : std::min(load::kSearchMaxConcurrency, rows[levels.back()].concurrency.value_or(1));
  const auto search = load::search_throughput(pick(rows, levels), limit);
  nlohmann::json j = {{"levels", levels.size()}, {"done", search.done}};
  if (!search.done) return j;
  const auto& knee = rows[levels[search.knee]];
  j["stopped"] = search.reason;
  j["knee"] = {{"label", knee.label},
               {"concurrency", knee.concurrency.value_or(1)},
               {"requests_per_s", knee.achieved_rate},
               {"output_tokens_per_s", knee.output_tokens_per_s}};
  if (!held.empty()) {
    const auto& t = rows[held.front()];
    j["throughput"] = {{"row", held.front()},
                       {"label", t.label},
                       {"concurrency", t.concurrency.value_or(1)},
                       {"requests_per_s", t.achieved_rate},
                       {"output_tokens_per_s", t.output_tokens_per_s},
                       {"requests", t.requests},
                       {"errors", t.errors}};
  }
  return j;
}

// The confirmation step of a rate sweep: whether its p95 met the SLO again.
nlohmann::json confirmation_json(const load::Slo& slo, const std::vector<load::LoadRow>& rows) {
  const auto confirmations = rows_of_steps(rows, {"confirmation"});
  if (confirmations.empty()) return nullptr;
  const auto i = confirmations.back();
  return {{"row", i},
          {"label", rows[i].label},
          {"achieved_rate", rows[i].achieved_rate},
          {"requests", rows[i].requests},
          {"met", load::p95_meets(slo, rows[i]) && rows[i].errors == 0}};
}

}  // namespace

nlohmann::json load_table_json(const report::BenchReport& report,
                               const std::optional<load::Slo>& slo) {
  const auto rows = load_rows(report);
  if (rows.size() < 2) return nullptr;
  nlohmann::json j;
  auto& out = j["rows"] = nlohmann::json::array();
  for (const auto& row : rows) out.push_back(load::to_json(row));
  // A rate sweep's saturation and SLO are judged on its open-loop rate steps;
  // the closed-loop steps before them only find the range.
  const bool sweep = is_rate_sweep(rows);
  std::vector<std::size_t> judged(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) judged[i] = i;
  if (sweep) {
    judged = rows_of_steps(rows, {"rate"});
    j["throughput_search"] = throughput_search_json(rows);
  }
  const auto judged_rows = pick(rows, judged);
  const auto saturation = load::detect_saturation(judged_rows);
  const auto saturated_row = saturation.saturated ? judged[saturation.step] : 0;
  j["saturation"] = {
      {"saturated", saturation.saturated},
      {"row", saturation.saturated ? nlohmann::json(saturated_row) : nullptr},
      {"label", saturation.saturated ? nlohmann::json(rows[saturated_row].label) : nullptr},
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
    if (auto found = load::highest_rate_meeting(*slo, judged_rows)) {
      const auto best = judged[*found];
      j["highest_meeting_slo"] = {
          {"row", best},
          {"label", rows[best].label},
          {"target_rate",
           rows[best].target_rate ? nlohmann::json(*rows[best].target_rate) : nlohmann::json()},
          {"achieved_rate", to_json(rows[best])["achieved_rate"]}};
      if (sweep) j["highest_meeting_slo"]["confirmation"] = confirmation_json(*slo, rows);
    }
  }
  return j;
}

}  // namespace chimera::orchestrate
