#include "chimera/report/load_view.hpp"

#include <fmt/format.h>

#include "chimera/report/format.hpp"

namespace chimera::report {
namespace {

std::optional<double> nested(const nlohmann::json& j, const char* outer, const char* key) {
  if (!j.is_object() || !j.contains(outer)) return std::nullopt;
  return json_number(j[outer], key);
}

LoadFigure scalar(std::string name, std::string unit, const nlohmann::json& j, const char* key) {
  LoadFigure f{std::move(name), std::move(unit)};
  f.value = json_number(j, key);
  return f;
}

LoadFigure distribution(std::string name, const nlohmann::json& p) {
  LoadFigure f{std::move(name), "ms"};
  f.n = json_number(p, "n");
  f.mean = json_number(p, "mean");
  f.p50 = json_number(p, "p50");
  f.p90 = json_number(p, "p90");
  f.p95 = json_number(p, "p95");
  f.p99 = json_number(p, "p99");
  f.max = json_number(p, "max");
  return f;
}

// One missing-value mark for every table and line (format::kMissing).
std::string fixed(const std::optional<double>& v, int digits = 1) {
  return format::fixed(v, digits);
}

}  // namespace

std::vector<LoadFigure> load_figures(const ConfigurationResult& c) {
  std::vector<LoadFigure> out;
  if (!c.load.is_object()) return out;
  const auto& t = c.load.value("throughput", nlohmann::json::object());
  const std::pair<const char*, const char*> scalars[] = {{"duration_s", "s"},
                                                         {"requests_per_s", "req/s"},
                                                         {"completions_per_s", "req/s"},
                                                         {"output_tokens_per_s", "tok/s"},
                                                         {"total_tokens_per_s", "tok/s"},
                                                         {"peak_output_tokens_per_s", "tok/s"},
                                                         {"max_in_flight", "requests"},
                                                         {"mean_in_flight", "requests"},
                                                         {"goodput_per_s", "req/s"}};
  for (const auto& [key, unit] : scalars) {
    if (t.contains(key)) out.push_back(scalar(std::string("throughput.") + key, unit, t, key));
  }
  if (const auto it = c.load.find("schedule"); it != c.load.end() && it->is_object()) {
    out.push_back(scalar("schedule.target_rate", "req/s", *it, "target_rate"));
    out.push_back(scalar("schedule.achieved_rate", "req/s", *it, "achieved_rate"));
    out.push_back(distribution("schedule.lateness_ms", it->value("lateness_ms", nlohmann::json())));
  }
  if (const auto it = c.load.find("conventions"); it != c.load.end() && it->is_object()) {
    for (const auto& [tool, metrics] : it->items()) {
      for (const auto& [metric, p] : metrics.items()) {
        out.push_back(distribution(tool + "." + metric, p));
      }
    }
  }
  return out;
}

std::vector<std::string> load_lines(const ConfigurationResult& c) {
  std::vector<std::string> out;
  if (!c.load.is_object() || !c.load.contains("throughput")) return out;
  const auto& t = c.load["throughput"];
  // A run shorter than one second has no peak (docs/METRICS.md): none is printed.
  const auto peak = json_number(t, "peak_output_tokens_per_s");
  std::string line = fmt::format(
      "throughput: {} req/s, {} output tok/s ({} total){}; "
      "{} in flight on average, {} at most; {} s from first send to last byte",
      fixed(json_number(t, "requests_per_s"), 2), fixed(json_number(t, "output_tokens_per_s")),
      fixed(json_number(t, "total_tokens_per_s")),
      peak ? fmt::format(", peak {} output tok/s over a whole second", fixed(peak))
           : std::string(", no peak (the run is shorter than one second)"),
      fixed(json_number(t, "mean_in_flight"), 2), fixed(json_number(t, "max_in_flight"), 0),
      fixed(json_number(t, "duration_s"), 3));
  if (auto g = json_number(t, "goodput_per_s")) line += fmt::format("; goodput {:.2f} req/s", *g);
  out.push_back(line);
  if (const auto it = c.load.find("schedule"); it != c.load.end() && it->is_object()) {
    const auto& late = it->value("lateness_ms", nlohmann::json::object());
    out.push_back(fmt::format(
        "schedule: target {} req/s, achieved {} req/s; send lateness p50 {} ms, p99 {} ms, "
        "max {} ms",
        fixed(json_number(*it, "target_rate"), 2), fixed(json_number(*it, "achieved_rate"), 2),
        fixed(json_number(late, "p50"), 3), fixed(json_number(late, "p99"), 3),
        fixed(json_number(late, "max"), 3)));
  }
  return out;
}

std::vector<std::vector<std::string>> load_table_rows(const BenchReport& report) {
  std::vector<std::vector<std::string>> rows;
  if (!report.load_table.is_object()) return rows;
  rows.push_back({"load", "target req/s", "achieved req/s", "output tok/s", "TTFT p50", "TTFT p99",
                  "TPOT p50", "TPOT p99", "e2e p50", "e2e p99", "goodput req/s"});
  for (const auto& r : report.load_table.value("rows", nlohmann::json::array())) {
    rows.push_back({r.value("label", ""), fixed(json_number(r, "target_rate"), 2),
                    fixed(json_number(r, "achieved_rate"), 2),
                    fixed(json_number(r, "output_tokens_per_s")),
                    fixed(nested(r, "ttft_ms", "p50")), fixed(nested(r, "ttft_ms", "p99")),
                    fixed(nested(r, "tpot_ms", "p50")), fixed(nested(r, "tpot_ms", "p99")),
                    fixed(nested(r, "e2e_ms", "p50")), fixed(nested(r, "e2e_ms", "p99")),
                    fixed(json_number(r, "goodput_per_s"), 2)});
  }
  return rows;
}

namespace {

// A rate sweep's throughput search: the knee, and the maximum held there.
void throughput_search_notes(const nlohmann::json& search, std::vector<std::string>& out) {
  if (!search.is_object() || !search.value("done", false)) return;
  const auto& knee = search.value("knee", nlohmann::json::object());
  out.push_back(fmt::format(
      "throughput search (measured): knee at concurrency {}, {} req/s, {} output tok/s; {}",
      fixed(json_number(knee, "concurrency"), 0), fixed(json_number(knee, "requests_per_s"), 2),
      fixed(json_number(knee, "output_tokens_per_s")), search.value("stopped", "")));
  if (const auto& held = search.value("throughput", nlohmann::json()); held.is_object()) {
    out.push_back(
        fmt::format("maximum (measured, {}): {} req/s, {} output tok/s; the rates below it follow",
                    held.value("label", ""), fixed(json_number(held, "requests_per_s"), 2),
                    fixed(json_number(held, "output_tokens_per_s"))));
  }
}

std::string confirmation_note(const nlohmann::json& confirmation) {
  if (!confirmation.is_object()) return "";
  return confirmation.value("met", false)
             ? fmt::format("; confirmed by {} ({} req/s achieved over {} requests)",
                           confirmation.value("label", ""),
                           fixed(json_number(confirmation, "achieved_rate"), 2),
                           fixed(json_number(confirmation, "requests"), 0))
             : fmt::format("; NOT confirmed: {} missed it ({} req/s achieved)",
                           confirmation.value("label", ""),
                           fixed(json_number(confirmation, "achieved_rate"), 2));
}

}  // namespace

std::vector<std::string> load_table_notes(const BenchReport& report) {
  std::vector<std::string> out;
  if (!report.load_table.is_object()) return out;
  throughput_search_notes(report.load_table.value("throughput_search", nlohmann::json()), out);
  const auto& sat = report.load_table.value("saturation", nlohmann::json::object());
  if (sat.value("saturated", false)) {
    out.push_back(
        fmt::format("saturated at {}: {}", sat.value("label", ""), sat.value("reason", "")));
  } else {
    out.push_back("no load level saturated the server");
  }
  if (const auto& slo = report.load_table.value("slo", nlohmann::json()); slo.is_string()) {
    const auto& best = report.load_table.value("highest_meeting_slo", nlohmann::json());
    out.push_back(best.is_object()
                      ? fmt::format("highest load whose p95 meets {}: {} ({} req/s achieved){}",
                                    slo.get<std::string>(), best.value("label", ""),
                                    fixed(json_number(best, "achieved_rate"), 2),
                                    confirmation_note(best.value("confirmation", nlohmann::json())))
                      : fmt::format("no load level's p95 meets {}", slo.get<std::string>()));
  }
  return out;
}

std::vector<html::LoadPoint> load_curve_points(const BenchReport& report) {
  std::vector<html::LoadPoint> out;
  if (!report.load_table.is_object()) return out;
  for (const auto& r : report.load_table.value("rows", nlohmann::json::array())) {
    html::LoadPoint p;
    p.label = r.value("label", "");
    p.output_tps = json_number(r, "output_tokens_per_s");
    p.ttft_p50_ms = nested(r, "ttft_ms", "p50");
    p.ttft_p99_ms = nested(r, "ttft_ms", "p99");
    p.tpot_p50_ms = nested(r, "tpot_ms", "p50");
    p.tpot_p99_ms = nested(r, "tpot_ms", "p99");
    out.push_back(std::move(p));
  }
  return out;
}

html::LoadSlo load_curve_slo(const BenchReport& report) {
  html::LoadSlo slo;
  if (!report.load_table.is_object()) return slo;
  const auto& bounds = report.load_table.value("slo_bounds", nlohmann::json::object());
  slo.ttft_ms = json_number(bounds, "ttft_ms");
  slo.tpot_ms = json_number(bounds, "tpot_ms");
  return slo;
}

}  // namespace chimera::report
