// The page of a `chimera run` output directory: failures first, then what ran
// when, the slowdowns and the concurrency figures, each agent's metrics, and
// the agents' reports rendered from their Markdown.

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "chimera/report/format.hpp"
#include "chimera/report/html/charts.hpp"
#include "chimera/report/html/markdown.hpp"
#include "chimera/report/html/svg.hpp"
#include "chimera/report/run_report.hpp"

namespace chimera::report {
namespace {

using nlohmann::json;

// Every figure below is read from the run's own files; a field a file does
// not have is shown as missing (n/a) rather than guessed.
std::optional<double> num(const json& j, const char* name) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string cell(const std::optional<double>& v, std::string_view field) {
  return fmt::format("<td data-field=\"{}\">{}</td>", field, html::escape(format::number(v)));
}
std::string text_cell(std::string_view text) {
  return fmt::format("<td class=\"text\">{}</td>", html::escape(text));
}
std::string head(std::string_view text, std::string_view field = "") {
  return field.empty() ? fmt::format("<th scope=\"col\" class=\"text\">{}</th>", html::escape(text))
                       : fmt::format("<th scope=\"col\" data-field=\"{}\">{}</th>", field,
                                     html::escape(text));
}

// A run's per-agent concurrency entries: "agents" (array) or "per_agent".
json agent_entries(const json& concurrency) {
  if (!concurrency.is_object()) return json::array();
  for (const char* name : {"agents", "per_agent"}) {
    auto it = concurrency.find(name);
    if (it != concurrency.end() && it->is_array()) return *it;
  }
  return json::array();
}
std::string entry_name(const json& entry) {
  return entry.value("name", entry.value("agent", ""));
}

std::vector<std::string> agent_names(const RunDirectory& run) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& n) {
    if (!n.empty() && seen.insert(n).second) names.push_back(n);
  };
  for (const auto& r : run.runs)
    for (const auto& a : r.value("agents", json::array())) add(a.value("agent", ""));
  for (const auto& c : run.calls) add(c.agent);
  return names;
}

// Across runs from summary.json (per agent an estimate with n, mean, sd and
// the CI); failing that, each run's own slowdown, averaged here.
std::vector<html::SlowdownRow> slowdowns(const RunDirectory& run,
                                         const std::vector<std::string>& agents) {
  std::map<std::string, html::SlowdownRow> by_agent;
  auto from_estimate = [&](const std::string& agent, const json& e) {
    if (!e.is_object() || !num(e, "mean")) return;
    by_agent[agent] = {agent,        e.value("n", std::size_t{0}), num(e, "mean"),
                       num(e, "sd"), num(e, "ci95_low"),           num(e, "ci95_high")};
  };
  const auto& c = run.concurrency;
  if (c.is_object() && c.contains("slowdown") && c["slowdown"].is_object()) {
    for (const auto& [agent, e] : c["slowdown"].items()) from_estimate(agent, e);
  }
  for (const auto& entry : agent_entries(c))
    from_estimate(entry_name(entry), entry.value("slowdown", json()));
  if (by_agent.empty()) {
    std::map<std::string, std::vector<double>> values;
    for (const auto& r : run.runs)
      for (const auto& entry : agent_entries(r.value("concurrency", json())))
        if (auto s = num(entry, "slowdown"); s && *s > 0) values[entry_name(entry)].push_back(*s);
    for (const auto& [agent, v] : values) {
      double sum = 0;
      for (double x : v) sum += x;
      by_agent[agent] = {agent, v.size(), sum / static_cast<double>(v.size())};
    }
  }
  std::vector<html::SlowdownRow> rows;
  for (const auto& a : agents)
    if (auto it = by_agent.find(a); it != by_agent.end()) rows.push_back(it->second);
  return rows;
}

std::vector<html::TimelineCall> timeline_calls(const RunDirectory& run) {
  std::vector<html::TimelineCall> calls;
  for (const auto& c : run.calls) {
    if (!c.start_ms || !c.end_ms) continue;
    calls.push_back({c.result.id, c.run, c.agent, c.phase, *c.start_ms, *c.end_ms, c.result.warmup,
                     c.result.status == measure::Status::kOk});
  }
  return calls;
}

void write_failures(const RunDirectory& run, std::ostream& out) {
  std::vector<std::string> items = run.warnings;
  for (const auto& r : run.runs) {
    const int index = r.value("run", 0);
    if (r.value("interrupted", false))
      items.push_back(fmt::format("run {} was interrupted before it finished", index));
    for (const auto& a : r.value("agents", json::array())) {
      if (!a.value("ok", true))
        items.push_back(fmt::format("run {}, agent {}: {}", index, a.value("agent", ""),
                                    a.value("failure", "failed")));
    }
  }
  std::map<std::string, int> reasons;
  for (const auto& c : run.calls) {
    if (c.result.status == measure::Status::kOk) continue;
    const auto& r = c.result;
    reasons[fmt::format("{} {}{}: {}: {}", c.agent, c.phase, r.warmup ? " warm-up" : "",
                        r.status == measure::Status::kEmpty ? "empty" : r.error_kind,
                        r.error_message.empty() ? "no text generated" : r.error_message)]++;
  }
  if (items.empty() && reasons.empty()) return;
  out << "<section id=\"failures\"><h2>Failures and warnings</h2>\n";
  for (const auto& i : items) out << "<p class=\"warning\">" << html::escape(i) << "</p>\n";
  if (!reasons.empty()) {
    out << "<table class=\"failures\"><caption>Failed or empty requests, by agent, phase and "
           "reason</caption><tr><th scope=\"col\">requests</th><th "
           "scope=\"col\">reason</th></tr>\n";
    for (const auto& [reason, count] : reasons)
      out << "<tr class=\"error\"><td>" << count << "</td><td class=\"text\">"
          << html::escape(reason) << "</td></tr>\n";
    out << "</table>\n";
  }
  out << "</section>\n";
}

// The runs left out of the estimates, and the outliers with the rule that found them.
void write_disagreement(const json& c, std::ostream& out) {
  for (const auto& left : c.value("left_out", json::array())) {
    if (left.is_string())
      out << "<p class=\"warning\">Left out of the figures: "
          << html::escape(left.get<std::string>()) << "</p>\n";
  }
  for (const auto& o : c.value("outliers", json::array())) {
    if (!o.is_object()) continue;
    const auto efficiency = num(o, "efficiency"), median = num(o, "median"),
               limit = num(o, "limit");
    if (!efficiency || !median || !limit) continue;
    out << fmt::format(
        "<p class=\"warning\" data-outlier-run=\"{}\">Outlier: run {}, efficiency {:.1f}% "
        "({:.1f} points from the median {:.1f}% &gt; the limit {:.1f} points)</p>\n",
        o.value("run", 0), o.value("run", 0), *efficiency * 100,
        std::abs(*efficiency - *median) * 100, *median * 100, *limit * 100);
  }
  if (c.contains("outlier_rule") && c["outlier_rule"].is_string() &&
      !c["outlier_rule"].get<std::string>().empty())
    out << "<p class=\"note\">Outlier rule: " << html::escape(c["outlier_rule"].get<std::string>())
        << ".</p>\n";
}

// The figures of summary.json's "concurrency": estimates across runs, counts, verdict.
void write_concurrency(const RunDirectory& run, std::ostream& out) {
  const auto& c = run.concurrency;
  if (!c.is_object()) return;
  std::string rows;
  for (const char* name : {"speedup", "ideal_speedup", "efficiency", "efficiency_vs_n",
                           "critical_path_ms", "wall_ms", "sum_isolated_ms"}) {
    auto it = c.find(name);
    if (it == c.end() || !it->is_object() || !num(*it, "mean")) continue;
    rows += fmt::format("<tr data-key=\"{}\">", name) + text_cell(name) +
            fmt::format("<td data-field=\"n\">{}</td>", it->value("n", 0)) +
            cell(num(*it, "geometric_mean"), "geometric_mean") + cell(num(*it, "mean"), "mean") +
            cell(num(*it, "sd"), "sd") + cell(num(*it, "ci95_low"), "ci95_low") +
            cell(num(*it, "ci95_high"), "ci95_high") + "</tr>\n";
  }
  if (rows.empty()) return;
  out << "<h2>Concurrency across runs</h2>\n<table class=\"concurrency\"><caption>Measured on "
         "the client clock in every run, then over the included runs (geometric mean with its 95% "
         "CI from "
         "Student's t on the logs; arithmetic mean and sd)</caption><tr>"
      << head("figure") << head("runs", "n") << head("geometric mean", "geometric_mean")
      << head("mean", "mean") << head("sd", "sd") << head("CI low", "ci95_low")
      << head("CI high", "ci95_high") << "</tr>\n"
      << rows << "</table>\n";
  std::string counts;
  for (const char* name :
       {"runs_measured", "measured_runs", "included_runs", "runs_with_contention",
        "contention_runs", "reload_contention_runs", "runs_with_reload", "unstable_runs"}) {
    if (auto v = num(c, name))
      counts += fmt::format("{}{}: {:g}", counts.empty() ? "" : " · ", name, *v);
  }
  if (!counts.empty()) out << "<p>" << html::escape(counts) << "</p>\n";
  write_disagreement(c, out);
  if (c.contains("verdict") && c["verdict"].is_string())
    out << "<p><strong>Verdict:</strong> " << html::escape(c["verdict"].get<std::string>())
        << "</p>\n";
}

// "2 of 13": verified figures of the checkable ones, from metrics.json's
// verification counts; n/a when either count is absent.
std::string verified_cell(const json& agent) {
  const auto v = agent.value("verification", json::object());
  const auto verified = num(v, "verified");
  const auto checkable = num(v, "checkable");
  const std::string text = verified && checkable
                               ? fmt::format("{:g} of {:g}", *verified, *checkable)
                               : std::string(format::kMissing);
  return fmt::format("<td data-field=\"verified_of_checkable\">{}</td>", html::escape(text));
}

// Each agent's warning when its server's statistics contradict the client's clock.
std::string disagreement_notes(const RunDirectory& run) {
  std::string notes;
  for (const auto& r : run.runs) {
    for (const auto& a : r.value("agents", json::array())) {
      const auto d = a.value("metrics", json::object()).value("server_client_disagreement", json());
      if (!d.is_object() || !d.contains("warning") || !d["warning"].is_string()) continue;
      notes += fmt::format("<p class=\"warning\">Run {}, {}: {}</p>\n", r.value("run", 0),
                           html::escape(a.value("agent", "")),
                           html::escape(d["warning"].get<std::string>()));
    }
  }
  return notes;
}

// The per-agent table's measured columns: heading, metrics.json field.
struct MetricColumn {
  const char* heading;
  const char* field;
};
constexpr MetricColumn kAgentMetricColumns[] = {
    {"TTFT (ms, client clock)", "ttft_ms"},
    {"end-to-end (ms, client clock)", "e2e_ms"},
    {"throughput (tok/s, client clock)", "client_throughput_tps"},
    {"throughput (tok/s, server statistics)", "server_throughput_tps"},
    {"total duration (ms, server statistics)", "server_total_ms"},
    {"tokens (server statistics)", "tokens_generated"},
};
constexpr const char* kVerifiedHeading = "figures verified of checkable";

// A cell that carries its column's heading (data-label), which a narrow page
// shows before the value once the table is laid out one cell per line.
std::string labelled(std::string cell, std::string_view heading) {
  return cell.insert(3, fmt::format(" data-label=\"{}\"", html::escape(heading)));
}

std::string agent_metrics_row(int index, const json& agent) {
  const auto m = agent.value("metrics", json::object());
  std::string row =
      fmt::format("<tr data-key=\"run{}|{}\">", index, html::escape(agent.value("agent", ""))) +
      labelled(fmt::format("<td>{}</td>", index), "run") +
      labelled(text_cell(agent.value("agent", "")), "agent") +
      labelled(text_cell(agent.value("model", "")), "model") +
      labelled(text_cell(agent.value("ok", false) ? "ok" : "failed"), "status");
  for (const auto& c : kAgentMetricColumns)
    row += labelled(cell(num(m, c.field), c.field), c.heading);
  return row + labelled(verified_cell(agent), kVerifiedHeading) + "</tr>\n";
}

void write_agent_metrics(const RunDirectory& run, std::ostream& out) {
  std::string rows;
  for (const auto& r : run.runs) {
    for (const auto& a : r.value("agents", json::array()))
      rows += agent_metrics_row(r.value("run", 0), a);
  }
  if (rows.empty()) return;
  out << "<h2>Each agent in each run (concurrent phase)</h2>\n<table class=\"agents stacks\" "
         "data-table=\"agents\"><caption>Per-agent metrics from each run's metrics.json. Client "
         "clock: timed by Chimera on the stream. Server statistics: what the server reported "
         "about its own work.</caption><tr>"
      << head("run") << head("agent") << head("model") << head("status");
  for (const auto& c : kAgentMetricColumns) out << head(c.heading, c.field);
  out << head(kVerifiedHeading, "verified_of_checkable") << "</tr>\n"
      << rows << "</table>\n"
      << disagreement_notes(run);
}

void write_reports(const RunDirectory& run, std::ostream& out) {
  if (run.reports.empty()) return;
  out << fmt::format("<h2>The agents' reports (run {})</h2>\n", run.reports_run);
  if (run.runs.size() > 1) {
    out << "<p class=\"note\">Earlier runs' reports are in their run_N folders next to this "
           "page.</p>\n";
  }
  for (const auto& r : run.reports) {
    out << "<section class=\"agent-report\" data-agent=\"" << html::escape(r.agent) << "\"><h3>"
        << html::escape(r.agent) << " <span class=\"note\">(" << html::escape(r.file)
        << ")</span></h3>\n"
        << html::markdown_html(r.markdown, 3) << "</section>\n";
  }
}

}  // namespace

void write_run_page(const RunDirectory& run, std::ostream& out) {
  const auto title = fmt::format("Chimera run report — {}{}",
                                 run.scenario.empty() ? "unnamed scenario" : run.scenario,
                                 run.simulated ? " (SIMULATED)" : "");
  out << html::page_open(title, run.simulated);
  const auto agents = agent_names(run);
  out << fmt::format("<p>{} run(s) of {} agent(s){} · directory <code>{}</code></p>\n",
                     run.runs.size(), agents.size(), run.complete ? "" : " · not complete",
                     html::escape(run.dir.string()));
  write_failures(run, out);
  const auto calls = timeline_calls(run);
  const auto timeline = html::timeline_figure(agents, calls, static_cast<int>(run.runs.size()));
  const auto slowdown = html::slowdown_figure(slowdowns(run, agents));
  if (!timeline.empty() || !slowdown.empty()) out << "<h2>Charts</h2>\n" << timeline << slowdown;
  if (timeline.empty() && !run.calls.empty()) {
    out << "<p class=\"note\">No timeline: this directory's requests.jsonl does not say when "
           "each request ran (written by an older Chimera).</p>\n";
  }
  if (slowdown.empty()) {
    out << "<p class=\"note\">No slowdown chart: slowdowns need two or more agents, each timed "
           "alone first (not with --no-isolated).</p>\n";
  }
  write_concurrency(run, out);
  write_agent_metrics(run, out);
  write_reports(run, out);
  out << "<p class=\"note\">Every figure on this page was read from the files of this directory "
         "(summary.json, run_N/metrics.json, requests.jsonl): timed by Chimera's client clock "
         "unless its column says server statistics.</p>\n"
      << "</body></html>\n";
}

}  // namespace chimera::report
