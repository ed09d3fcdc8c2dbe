#include "chimera/report/combined_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "chimera/report/format.hpp"

namespace chimera::report {
namespace {

std::string opt_ms(const std::optional<double>& v) {
  return format::fixed(v, 1, " ms");
}
std::string opt_tps(const std::optional<double>& v) {
  return format::fixed(v, 2, " tok/s");
}

nlohmann::json opt(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// (candidate − baseline) / baseline, as a signed percentage.
std::string delta(const std::optional<double>& baseline, const std::optional<double>& candidate) {
  if (!baseline || !candidate || *baseline == 0) return format::kMissing;
  return fmt::format("{:+.1f}%", (*candidate - *baseline) / *baseline * 100.0);
}

using format::kMissing;

constexpr const char* kDefinitions =
    "Each agent was first timed alone (isolated baseline T_i: warm, the median of its "
    "repetitions), then all were started together (wall time W); W* is the critical path of the "
    "scenario's dependency graph weighted by the T_i (max T_i for independent agents, the sum "
    "along a pipeline).\n\n"
    "- **speedup** = ΣT_i / W: how much faster than running the agents one after another.\n"
    "- **ideal speedup** = ΣT_i / W*: the best the scenario's shape allows.\n"
    "- **efficiency** = W* / W: 100% means no contention, however unequal the agents are.\n"
    "- **efficiency_vs_n** = speedup / N: the original's figure, kept for comparison; it reads "
    "imbalance between agents as contention.\n"
    "- **slowdown_i** = concurrent duration_i / T_i: above 1 beyond noise, agent i waited for "
    "the others.\n\n";

// An efficiency above 100% is never shown as a plain result.
std::string efficiency_text(double efficiency, const std::optional<bool>& baseline_stable) {
  std::string text = fmt::format("{:.1f}%", efficiency * 100);
  if (efficiency > 1.0) {
    if (!baseline_stable) {
      text += " (above 100%: within noise, baseline stability unknown)";
    } else {
      text += *baseline_stable ? " (above 100% only within noise)"
                               : " (above 100%: baseline unstable, not a result)";
    }
  }
  return text;
}

// "95.1% (95% CI 80.2–112.8%); mean 96.0% ± 8.1": the geometric mean with
// the interval from t on the logs, then the arithmetic mean and sd.
std::string estimate_cell(const Estimate& e, double scale, const char* unit, int decimals) {
  if (!e.mean) return kMissing;
  if (!e.geometric_mean) return fmt::format("mean {:.{}f}{}", *e.mean * scale, decimals, unit);
  if (e.n == 1) return fmt::format("{:.{}f}{} (one run)", *e.mean * scale, decimals, unit);
  std::string text = fmt::format("{:.{}f}{}", *e.geometric_mean * scale, decimals, unit);
  if (e.ci95_low && e.ci95_high) {
    text += fmt::format(" (95% CI {:.{}f}–{:.{}f}{})", *e.ci95_low * scale, decimals,
                        *e.ci95_high * scale, decimals, unit);
  }
  text += fmt::format("; mean {:.{}f}{}", *e.mean * scale, decimals, unit);
  if (e.sd) text += fmt::format(" ± {:.{}f}", *e.sd * scale, decimals);
  return text;
}

std::string wall_time_line(const RunRecord& run) {
  if (run.concurrent_wall_ms > 0 && !run.interrupted) {
    return fmt::format("{:.1f} ms (client clock)", run.concurrent_wall_ms);
  }
  if (run.concurrent_wall_ms > 0) {
    return fmt::format("{:.1f} ms until the interruption (client clock; the run did not finish)",
                       run.concurrent_wall_ms);
  }
  return fmt::format("{} ({})", kMissing,
                     run.interrupted ? "interrupted before the agents ran" : "not measured");
}

std::string figures_table(const ConcurrencyFigures& c, bool isolated_first) {
  const std::size_t repetitions = c.per_agent.empty() ? 0 : c.per_agent.front().repetitions;
  return fmt::format(
      "| measure | value |\n|---|---:|\n"
      "| ΣT_i (isolated, client clock; median of {} repetition{}) | {:.1f} ms |\n"
      "| W* (critical path of the T_i) | {:.1f} ms |\n"
      "| W (concurrent wall, client clock) | {:.1f} ms |\n"
      "| speedup | {:.3f}x |\n| ideal speedup | {:.3f}x |\n| efficiency | {} |\n"
      "| efficiency_vs_n (speedup / N, the original's figure) | {:.1f}% |\n"
      "| contention threshold | {:.0f}% |\n| phase order | {} |\n\n",
      repetitions, repetitions == 1 ? "" : "s", c.sum_isolated_ms, c.critical_path_ms, c.wall_ms,
      c.speedup, c.ideal_speedup, efficiency_text(c.efficiency, c.baseline_stable),
      c.efficiency_vs_n * 100, c.threshold * 100,
      isolated_first ? "isolated, then concurrent" : "concurrent, then isolated");
}

// "no", "2 (running together caused them)", "1 (set apart: <cause>)".
std::string reload_cell(const AgentFigures& a) {
  if (a.reloads == 0) return "no";
  return fmt::format(
      "{} ({})", a.reloads,
      a.reload_cause.empty() ? "running together caused them" : "set apart: " + a.reload_cause);
}

std::string reload_evidence_list(const ConcurrencyFigures& c) {
  std::string md;
  for (const auto& a : c.per_agent) {
    for (const auto& e : a.reload_evidence) md += fmt::format("- {}, {}\n", a.name, e);
  }
  return md.empty() ? "" : "What showed each model reload (measured):\n\n" + md + "\n";
}

std::string per_agent_table(const ConcurrencyFigures& c, bool interrupted) {
  std::string md =
      "| agent | isolated T_i | baseline spread | concurrent | slowdown | model reloads in "
      "concurrent run |\n|---|---:|---:|---:|---:|---|\n";
  // An agent cut short has partial times: none of them is a figure.
  const std::string missing =
      fmt::format("{} ({})", kMissing, interrupted ? "interrupted" : "failed");
  for (const auto& a : c.per_agent) {
    const bool known = a.ok && a.repetitions > 0 && a.isolated_ms > 0;
    md +=
        fmt::format("| {} | {} | {} | {} | {} | {} |\n", a.name,
                    known ? fmt::format("{:.1f} ms", a.isolated_ms) : missing,
                    known ? fmt::format("{:.1f}% of {}", a.spread * 100, a.repetitions) : kMissing,
                    known ? fmt::format("{:.1f} ms", a.concurrent_ms) : missing,
                    known ? fmt::format("{:.2f}x", a.slowdown) : missing, reload_cell(a));
  }
  return md + "\n" + reload_evidence_list(c);
}

std::string concurrency_section(const RunRecord& run) {
  std::string md = "## Concurrency\n\n";
  if (!run.concurrency) {
    return md + "Not measured: speedup needs two or more agents and their isolated baselines.\n\n";
  }
  const auto& c = *run.concurrency;
  md += kDefinitions;
  if (c.measured) {
    md += figures_table(c, run.isolated_first);
  } else {
    md += fmt::format("No figures: {}.\n\n",
                      run.interrupted ? "the run was interrupted before every agent finished "
                                        "both phases"
                                      : "some agent did not finish both phases");
  }
  md += fmt::format("**Verdict:** {}\n\n", c.verdict);
  if (c.measured && !c.baseline_stable) md += fmt::format("_{}_\n\n", c.baseline_stability_note);
  return md + per_agent_table(c, run.interrupted);
}

// The runs left out, the outliers and the rule that found them.
std::string disagreement_notes(const ConcurrencyAggregate& g) {
  std::string md;
  if (!g.left_out.empty()) {
    md += "Left out of the figures (their own verdict was inconclusive): ";
    for (std::size_t i = 0; i < g.left_out.size(); ++i) {
      md += (i == 0 ? "" : ", ") + g.left_out[i];
    }
    md += ".\n\n";
  }
  for (const auto& o : g.outliers) {
    md += fmt::format(
        "**Outlier:** run {}, efficiency {:.1f}% ({:.1f} points from the median {:.1f}% > the "
        "limit {:.1f} points).\n\n",
        o.run, o.efficiency * 100, std::abs(o.efficiency - o.median) * 100, o.median * 100,
        o.limit * 100);
  }
  if (!g.outlier_rule.empty()) md += fmt::format("Outlier rule: {}.\n\n", g.outlier_rule);
  return md;
}

std::string concurrency_summary(const ConcurrencyAggregate& g) {
  std::string md = "## Concurrency across runs (client clock)\n\n";
  md += kDefinitions;
  std::string efficiency = estimate_cell(g.efficiency, 100, "%", 1);
  if (!g.above_100.empty()) efficiency += " (" + g.above_100 + ")";
  md +=
      "Each cell: the geometric mean over the included runs with its 95% confidence interval "
      "(Student's t on the logarithms of the values, so no bound leaves the figure's range), "
      "then the arithmetic mean ± sd.\n\n";
  md += fmt::format(
      "| measure | over {} included run{} |\n|---|---|\n"
      "| speedup | {} |\n| ideal speedup | {} |\n| efficiency | {} |\n"
      "| efficiency_vs_n (speedup / N, the original's figure) | {} |\n"
      "| W* critical path | {} |\n| W concurrent wall time | {} |\n| ΣT_i isolated | {} |\n\n",
      g.included, g.included == 1 ? "" : "s", estimate_cell(g.speedup, 1, "x", 3),
      estimate_cell(g.ideal_speedup, 1, "x", 3), efficiency,
      estimate_cell(g.efficiency_vs_n, 100, "%", 1), estimate_cell(g.critical_path_ms, 1, " ms", 1),
      estimate_cell(g.wall_ms, 1, " ms", 1), estimate_cell(g.sum_isolated_ms, 1, " ms", 1));
  md += "| agent | isolated T_i | concurrent | slowdown |\n|---|---:|---:|---:|\n";
  for (const auto& a : g.agents) {
    md += fmt::format("| {} | {} | {} | {} |\n", a.name, estimate_cell(a.isolated_ms, 1, " ms", 1),
                      estimate_cell(a.concurrent_ms, 1, " ms", 1),
                      estimate_cell(a.slowdown, 1, "x", 2));
  }
  md += fmt::format(
      "\nRuns with contention: {} of {} included (by model reloads: {}); runs with unstable "
      "baselines, left out: {}; runs without figures (interrupted or failed): {}.\n\n",
      g.contention_runs, g.included, g.reload_contention_runs, g.unstable_runs,
      g.runs - g.measured);
  md += disagreement_notes(g);
  return md + fmt::format("**Verdict:** {}\n", g.verdict);
}

VerificationCounts sum_over(const std::vector<RunRecord>& runs) {
  VerificationCounts total;
  for (const auto& r : runs) {
    for (const auto& a : r.agents) {
      total.figures += a.verification.figures;
      total.verified += a.verification.verified;
      total.misattributed += a.verification.misattributed;
      total.derived += a.verification.derived;
      total.unverified += a.verification.unverified;
      total.trivial += a.verification.trivial;
    }
  }
  return total;
}

}  // namespace

nlohmann::json to_json(const VerificationCounts& v) {
  return {{"total", v.figures},
          {"verified", v.verified},
          {"misattributed", v.misattributed},
          {"derived", v.derived},
          {"unverified", v.unverified},
          {"trivial", v.trivial},
          {"checkable", v.checkable()},
          {"figures", v.list}};
}

std::string verified_of_checkable(const VerificationCounts& v) {
  return fmt::format(
      "verified {} of {} checkable (misattributed {}, derived {}, unverified {}; {} trivial)",
      v.verified, v.checkable(), v.misattributed, v.derived, v.unverified, v.trivial);
}

nlohmann::json to_json(const agents::AgentMetrics& m) {
  nlohmann::json disagreement = nullptr;
  if (m.largest_disagreement) {
    disagreement = {{"calls", m.disagreeing_calls},
                    {"server_total_ms", m.largest_disagreement->server_total_ms},
                    {"client_e2e_ms", m.largest_disagreement->client_e2e_ms},
                    {"tolerance", measure::server_total_tolerance_text()},
                    {"warning", agents::disagreement_warning(m)}};
  }
  return {{"calls", m.calls},
          {"throughput_tps", opt(m.throughput_tps)},
          {"throughput_source", agents::source_name(m.throughput_from_server)},
          {"ttft_ms", opt(m.ttft_ms)},
          {"ttft_missing", m.ttft_ms ? nlohmann::json(nullptr) : nlohmann::json(m.ttft_missing)},
          {"e2e_ms", opt(m.e2e_ms)},
          {"client_throughput_tps", opt(m.client_throughput_tps)},
          {"server_throughput_tps", opt(m.server_throughput_tps)},
          {"server_total_ms", opt(m.server_total_ms)},
          {"total_duration_ms", opt(m.total_duration_ms)},
          {"total_duration_from_server", m.total_duration_from_server},
          {"total_duration_source", agents::source_name(m.total_duration_from_server)},
          {"tokens_generated", m.tokens_generated},
          {"tokens_estimated", m.tokens_estimated},
          {"prompt_eval_ms", opt(m.prompt_eval_ms)},
          {"eval_ms", opt(m.eval_ms)},
          {"load_ms", opt(m.load_ms)},
          {"server_client_disagreement", disagreement}};
}

nlohmann::json to_json(const RunRecord& run) {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : run.agents) {
    agents.push_back({{"agent", a.agent},
                      {"persona", a.persona},
                      {"profile", a.profile},
                      {"model", a.model},
                      {"endpoint", a.endpoint},
                      {"options", a.options},
                      {"ok", a.ok},
                      {"failure", a.failure},
                      {"metrics", to_json(a.metrics)},
                      {"verification", to_json(a.verification)},
                      {"report", a.report_file},
                      {"start_ms", a.start_ms},
                      {"end_ms", a.end_ms}});
  }
  nlohmann::json j = {
      {"run", run.index},
      {"scenario", run.scenario},
      {"simulated", run.simulated},
      {"interrupted", run.interrupted},
      {"started_at", run.started_at},
      {"ingest_ms", run.ingest_ms},
      {"concurrent_wall_ms", run.concurrent_wall_ms},
      {"agents", agents},
      {"measured",
       "every figure here was measured in this run; each agent's metrics name their source: the "
       "client clock (Chimera's own timing) or the server statistics (what the server reported)"}};
  j["concurrency"] = nullptr;
  if (run.concurrency) {
    j["concurrency"] = to_json(*run.concurrency);
    j["concurrency"]["phase_order"] =
        run.isolated_first ? "isolated, then concurrent" : "concurrent, then isolated";
  }
  return j;
}

namespace {

// An interrupted run may never have reached ingestion: no time, not 0 ms.
std::string ingest_time_line(const RunRecord& run) {
  if (run.interrupted && run.ingest_ms <= 0) return "n/a (interrupted before ingestion)";
  return fmt::format("{:.1f} ms (client clock)", run.ingest_ms);
}

std::string report_header(const RunRecord& run) {
  std::string md = fmt::format("# Combined Report — run {} ({})\n\n", run.index, run.scenario);
  if (run.simulated) {
    md +=
        "> **SIMULATED** — the server was `chimera sim`, not a real model: timings come from the "
        "simulator's timing model.\n\n";
  }
  if (run.interrupted) md += "> **INCOMPLETE** — this run was interrupted before it finished.\n\n";
  md += fmt::format(
      "- **Scenario:** {}\n- **Agents:** {}\n- **Started:** {}\n- **Ingest time:** {}\n"
      "- **Concurrent wall time:** {}\n\n",
      run.scenario, run.agents.size(), run.started_at, ingest_time_line(run), wall_time_line(run));
  return md;
}

// The figures' sources, said once above each table that shows them.
constexpr const char* kSourcesNote =
    "Sources: *client clock* figures were timed by Chimera on the stream (TTFT to the first "
    "text chunk, end-to-end to the last, throughput = (tokens − 1) / (last − first text chunk)); "
    "*server statistics* are what the server reported about its own work (eval_count / "
    "eval_duration, total_duration, load_duration).\n\n";

std::string cells(const agents::AgentMetrics& m) {
  return fmt::format("{} | {} | {} | {} | {} | {}{} | {}", opt_ms(m.ttft_ms), opt_ms(m.e2e_ms),
                     opt_tps(m.client_throughput_tps), opt_tps(m.server_throughput_tps),
                     opt_ms(m.server_total_ms), m.tokens_generated,
                     m.tokens_estimated ? " (estimated)" : "", opt_ms(m.load_ms));
}

constexpr const char* kMetricColumns =
    "TTFT (client clock) | end-to-end (client clock) | throughput (client clock) | throughput "
    "(server statistics) | total duration (server statistics) | tokens (server statistics) | "
    "load (server statistics)";

// One warning line per agent whose server statistics the client's clock contradicts.
std::string disagreement_lines(
    const std::vector<std::pair<std::string, const agents::AgentMetrics*>>& agents) {
  std::string md;
  for (const auto& [who, m] : agents) {
    const auto warning = agents::disagreement_warning(*m);
    if (!warning.empty()) md += "> **Warning (" + who + "):** " + warning + "\n\n";
  }
  return md;
}

std::string per_agent_metrics(const RunRecord& run) {
  std::string md = "## Per-agent metrics (concurrent run)\n\n";
  md += kSourcesNote;
  md += fmt::format("| agent | profile | model | status | {} |\n", kMetricColumns);
  md += "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<std::pair<std::string, const agents::AgentMetrics*>> warned;
  for (const auto& a : run.agents) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", a.agent, a.profile, a.model,
                      a.ok ? "ok" : "FAILED: " + a.failure, cells(a.metrics));
    warned.emplace_back(a.agent, &a.metrics);
  }
  md += "\n";
  std::string missing;
  for (const auto& a : run.agents) {
    if (!a.metrics.ttft_ms && !a.metrics.ttft_missing.empty())
      missing += fmt::format("- {}: no TTFT, {}.\n", a.agent, a.metrics.ttft_missing);
  }
  if (!missing.empty()) md += missing + "\n";
  return md + disagreement_lines(warned);
}

// Each agent against the first; nothing for a single agent.
std::string deltas_section(const RunRecord& run) {
  if (run.agents.size() < 2) return "";
  const auto& base = run.agents.front();
  std::string md = fmt::format("## Deltas against {} (the first agent)\n\n", base.agent);
  md +=
      "Sign convention: delta = (agent − baseline) / baseline. For throughput a positive delta "
      "is better; for TTFT and duration a negative delta is better. Each delta compares figures "
      "of one source.\n\n";
  md +=
      "| agent | TTFT (client clock) | end-to-end (client clock) | throughput (client clock) | "
      "throughput (server statistics) | total duration (server statistics) |\n"
      "|---|---:|---:|---:|---:|---:|\n";
  for (std::size_t i = 1; i < run.agents.size(); ++i) {
    const auto& a = run.agents[i];
    if (!base.ok || !a.ok) {
      // A failed agent's figures cover only what it managed; no delta is drawn from them.
      md += fmt::format("| {} | {} ({} failed) | {} | {} | {} | {} |\n", a.agent, kMissing,
                        base.ok ? a.agent : base.agent, kMissing, kMissing, kMissing, kMissing);
      continue;
    }
    const auto &b = base.metrics, &m = a.metrics;
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", a.agent, delta(b.ttft_ms, m.ttft_ms),
                      delta(b.e2e_ms, m.e2e_ms),
                      delta(b.client_throughput_tps, m.client_throughput_tps),
                      delta(b.server_throughput_tps, m.server_throughput_tps),
                      delta(b.server_total_ms, m.server_total_ms));
  }
  md +=
      "\nA single run's delta has no error bar; `chimera compare` over several runs gives "
      "confidence intervals and significance tests.\n\n";
  return md;
}

std::string reports_section(const RunRecord& run) {
  std::string md = "## Reports\n\n";
  for (const auto& a : run.agents) {
    md += fmt::format("- [{}]({}) — figures {}\n", a.agent, a.report_file,
                      verified_of_checkable(a.verification));
  }
  return md;
}

}  // namespace

std::string render_combined_report(const RunRecord& run) {
  return report_header(run) + concurrency_section(run) + per_agent_metrics(run) +
         deltas_section(run) + reports_section(run);
}

nlohmann::json summary_json(const std::vector<RunRecord>& runs, bool simulated,
                            const std::string& scenario, bool complete,
                            const std::optional<ConcurrencyAggregate>& across_runs) {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["scenario"] = scenario;
  j["simulated"] = simulated;
  j["complete"] = complete;
  const VerificationCounts verified = sum_over(runs);
  j["verification"] = to_json(verified);
  j["verification"].erase("figures");  // each figure is listed in its run's metrics.json
  j["verification"]["text"] = verified_of_checkable(verified);
  j["runs"] = nlohmann::json::array();
  for (const auto& r : runs) j["runs"].push_back(to_json(r));
  j["concurrency"] = across_runs ? to_json(*across_runs) : nlohmann::json(nullptr);
  return j;
}

std::string render_summary_markdown(const std::vector<RunRecord>& runs, bool simulated,
                                    const std::string& scenario,
                                    const std::optional<ConcurrencyAggregate>& across_runs) {
  std::size_t finished = 0;
  std::string interrupted;
  for (const auto& r : runs) {
    if (!r.interrupted) ++finished;
    if (r.interrupted) interrupted += fmt::format("{}{}", interrupted.empty() ? "" : ", ", r.index);
  }
  std::string md = fmt::format("# Summary — {} ({} finished run{}{})\n\n", scenario, finished,
                               finished == 1 ? "" : "s",
                               interrupted.empty() ? "" : "; run " + interrupted + " interrupted");
  if (!interrupted.empty()) {
    md += fmt::format(
        "> **INTERRUPTED** — run {} did not finish: its rows below are partial and it is left "
        "out of the figures across runs.\n\n",
        interrupted);
  }
  if (simulated) md += "> **SIMULATED** — every run here was served by `chimera sim`.\n\n";
  md += kSourcesNote;
  md += fmt::format("| run | agent | status | {} | figures verified of checkable |\n",
                    kMetricColumns);
  md += "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<std::pair<std::string, const agents::AgentMetrics*>> warned;
  for (const auto& r : runs) {
    for (const auto& a : r.agents) {
      md += fmt::format("| {} | {} | {} | {} | {} of {} |\n", r.index, a.agent,
                        a.ok ? "ok" : "failed", cells(a.metrics), a.verification.verified,
                        a.verification.checkable());
      warned.emplace_back(fmt::format("run {}, {}", r.index, a.agent), &a.metrics);
    }
  }
  md += '\n';
  md += disagreement_lines(warned);
  md += fmt::format("Figures in the answers, all runs: {}.\n\n",
                    verified_of_checkable(sum_over(runs)));
  if (across_runs) md += concurrency_summary(*across_runs);
  return md;
}

nlohmann::json to_json(const Estimate& e) {
  auto value = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return nlohmann::json{{"mean", value(e.mean)},
                        {"sd", value(e.sd)},
                        {"geometric_mean", value(e.geometric_mean)},
                        {"ci95_low", value(e.ci95_low)},
                        {"ci95_high", value(e.ci95_high)},
                        {"interval", "95% CI of the geometric mean: Student's t on the logs"},
                        {"n", e.n}};
}

nlohmann::json to_json(const ConcurrencyFigures& f) {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : f.per_agent) {
    agents.push_back({{"name", a.name},
                      {"ok", a.ok},
                      {"isolated_ms", a.isolated_ms},
                      {"concurrent_ms", a.concurrent_ms},
                      {"slowdown", a.slowdown},
                      {"reloaded", a.reloaded},
                      {"reloads", a.reloads},
                      {"reload_cause", a.reload_cause},
                      {"reload_evidence", a.reload_evidence},
                      {"baseline_spread", a.spread},
                      {"baseline_repetitions", a.repetitions}});
  }
  return nlohmann::json{{"measured", f.measured},
                        {"speedup", f.speedup},
                        {"ideal_speedup", f.ideal_speedup},
                        {"efficiency", f.efficiency},
                        {"efficiency_vs_n", f.efficiency_vs_n},
                        {"critical_path_ms", f.critical_path_ms},
                        {"wall_ms", f.wall_ms},
                        {"sum_isolated_ms", f.sum_isolated_ms},
                        {"threshold", f.threshold},
                        {"contention", f.contention},
                        {"reload_contention", f.reload_contention},
                        {"reloads", f.reloads},
                        {"baseline_stable", f.baseline_stable ? nlohmann::json(*f.baseline_stable)
                                                              : nlohmann::json(nullptr)},
                        {"baseline_stability_note", f.baseline_stability_note},
                        {"efficiency_above_100", f.efficiency_above_100},
                        {"reload_in_concurrent_run", f.reloaded},
                        {"unstable_reasons", f.unstable_reasons},
                        {"verdict", f.verdict},
                        {"agents", agents}};
}

nlohmann::json to_json(const ConcurrencyAggregate& g) {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : g.agents) {
    agents.push_back({{"name", a.name},
                      {"isolated_ms", to_json(a.isolated_ms)},
                      {"concurrent_ms", to_json(a.concurrent_ms)},
                      {"slowdown", to_json(a.slowdown)}});
  }
  nlohmann::json outliers = nlohmann::json::array();
  for (const auto& o : g.outliers) {
    outliers.push_back({{"run", o.run},
                        {"efficiency", o.efficiency},
                        {"median", o.median},
                        {"distance", std::abs(o.efficiency - o.median)},
                        {"limit", o.limit}});
  }
  return nlohmann::json{{"runs", g.runs},
                        {"measured_runs", g.measured},
                        {"included_runs", g.included},
                        {"left_out", g.left_out},
                        {"outliers", outliers},
                        {"outlier_rule", g.outlier_rule},
                        {"runs_disagree", g.runs_disagree},
                        {"above_100", g.above_100},
                        {"reload_contention_runs", g.reload_contention_runs},
                        {"speedup", to_json(g.speedup)},
                        {"ideal_speedup", to_json(g.ideal_speedup)},
                        {"efficiency", to_json(g.efficiency)},
                        {"efficiency_vs_n", to_json(g.efficiency_vs_n)},
                        {"critical_path_ms", to_json(g.critical_path_ms)},
                        {"wall_ms", to_json(g.wall_ms)},
                        {"sum_isolated_ms", to_json(g.sum_isolated_ms)},
                        {"contention_runs", g.contention_runs},
                        {"unstable_runs", g.unstable_runs},
                        {"verdict", g.verdict},
                        {"agents", agents}};
}

}  // namespace chimera::report
