#include "chimera/orchestrate/run/combined_report.hpp"

#include <fmt/format.h>

#include "chimera/report/format.hpp"
#include "chimera/stats/descriptive.hpp"

namespace chimera::orchestrate {
namespace {

std::string opt_ms(const std::optional<double>& v) {
  return report::format::fixed(v, 1, " ms");
}
std::string opt_tps(const std::optional<double>& v) {
  return report::format::fixed(v, 2, " tok/s");
}

nlohmann::json opt(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// (candidate − baseline) / baseline, as a signed percentage.
std::string delta(const std::optional<double>& baseline, const std::optional<double>& candidate) {
  if (!baseline || !candidate || *baseline == 0) return report::format::kMissing;
  return fmt::format("{:+.1f}%", (*candidate - *baseline) / *baseline * 100.0);
}

std::string summary_cell(const stats::Summary& s, double scale, const char* unit, int decimals) {
  if (!s.mean) return report::format::kMissing;
  std::string text = fmt::format("{:.{}f}{}", *s.mean * scale, decimals, unit);
  if (s.sd) text += fmt::format(" ± {:.{}f}", *s.sd * scale, decimals);
  if (s.ci95_low && s.ci95_high) {
    text += fmt::format(" (95% CI {:.{}f}–{:.{}f})", *s.ci95_low * scale, decimals,
                        *s.ci95_high * scale, decimals);
  }
  return text;
}

}  // namespace

nlohmann::json to_json(const agents::AgentMetrics& m) {
  return {{"calls", m.calls},
          {"throughput_tps", opt(m.throughput_tps)},
          {"ttft_ms", opt(m.ttft_ms)},
          {"total_duration_ms", opt(m.total_duration_ms)},
          {"total_duration_from_server", m.total_duration_from_server},
          {"tokens_generated", m.tokens_generated},
          {"tokens_estimated", m.tokens_estimated},
          {"prompt_eval_ms", opt(m.prompt_eval_ms)},
          {"eval_ms", opt(m.eval_ms)},
          {"load_ms", opt(m.load_ms)}};
}

nlohmann::json to_json(const ConcurrencyMeasurement& m) {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& a : m.per_agent) {
    agents.push_back({{"agent", a.agent},
                      {"isolated_ms", a.isolated_ms},
                      {"concurrent_ms", a.concurrent_ms},
                      {"slowdown", a.slowdown},
                      {"reloaded", a.reloaded},
                      {"reload_ms", a.reload_ms}});
  }
  return {{"agents", m.agents},         {"sum_isolated_ms", m.sum_isolated_ms},
          {"wall_ms", m.wall_ms},       {"speedup", m.speedup},
          {"efficiency", m.efficiency}, {"threshold", m.threshold},
          {"contention", m.contention}, {"reload_in_concurrent_run", m.reload_in_concurrent_run},
          {"per_agent", agents},        {"verdict", m.verdict}};
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
                      {"figures", a.figures},
                      {"figures_verified", a.figures_verified},
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
      {"measured", "every figure here was measured in this run; none is estimated"}};
  j["concurrency"] = run.concurrency ? to_json(*run.concurrency) : nlohmann::json(nullptr);
  return j;
}

std::string render_combined_report(const RunRecord& run) {
  std::string md;
  md += fmt::format("# Combined Report — run {} ({})\n\n", run.index, run.scenario);
  if (run.simulated) {
    md +=
        "> **SIMULATED** — the server was `chimera sim`, not a real model: timings come from the "
        "simulator's timing model.\n\n";
  }
  if (run.interrupted) md += "> **INCOMPLETE** — this run was interrupted before it finished.\n\n";
  md += fmt::format(
      "- **Scenario:** {}\n- **Agents:** {}\n- **Started:** {}\n- **Ingest time:** "
      "{:.1f} ms (measured)\n- **Concurrent wall time:** {:.1f} ms (measured)\n\n",
      run.scenario, run.agents.size(), run.started_at, run.ingest_ms, run.concurrent_wall_ms);

  md += "## Concurrency\n\n";
  if (!run.concurrency) {
    md += "Not measured: speedup needs two or more agents and their isolated baselines.\n\n";
  } else {
    const auto& c = *run.concurrency;
    md +=
        "Each agent was first timed alone (isolated baseline T_i, warm, same options), then all "
        "were started together (wall time W). speedup = ΣT_i / W; efficiency = speedup / N; "
        "slowdown_i = concurrent duration_i / T_i.\n\n";
    if (c.speedup > 0) {
      md += fmt::format(
          "| measure | value |\n|---|---:|\n| ΣT_i (isolated, measured) | {:.1f} ms |\n"
          "| W (concurrent wall, measured) | {:.1f} ms |\n| speedup | {:.3f}x |\n"
          "| efficiency | {:.1f}% |\n| contention threshold | {:.0f}% |\n\n",
          c.sum_isolated_ms, c.wall_ms, c.speedup, c.efficiency * 100, c.threshold * 100);
    }
    md += fmt::format("**Verdict:** {}\n\n", c.verdict);
    md +=
        "| agent | isolated T_i | concurrent | slowdown | model reload in concurrent run |\n"
        "|---|---:|---:|---:|---|\n";
    for (const auto& a : c.per_agent) {
      md += fmt::format("| {} | {:.1f} ms | {:.1f} ms | {:.2f}x | {} |\n", a.agent, a.isolated_ms,
                        a.concurrent_ms, a.slowdown,
                        a.reloaded ? fmt::format("yes ({:.0f} ms load)", a.reload_ms) : "no");
    }
    md += "\n";
  }

  md += "## Per-agent metrics (concurrent run, measured)\n\n";
  md +=
      "| agent | profile | model | status | throughput | TTFT | total duration | tokens | load |\n"
      "|---|---|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& a : run.agents) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {}{} | {} |\n", a.agent, a.profile,
                      a.model, a.ok ? "ok" : "FAILED: " + a.failure,
                      opt_tps(a.metrics.throughput_tps), opt_ms(a.metrics.ttft_ms),
                      opt_ms(a.metrics.total_duration_ms), a.metrics.tokens_generated,
                      a.metrics.tokens_estimated ? " (estimated)" : "", opt_ms(a.metrics.load_ms));
  }
  md += "\n";
  if (run.agents.size() >= 2) {
    const auto& base = run.agents.front();
    md += fmt::format("## Deltas against {} (the first agent)\n\n", base.agent);
    md +=
        "Sign convention: delta = (agent − baseline) / baseline. For throughput a positive delta "
        "is better; for TTFT and duration a negative delta is better.\n\n";
    md += "| agent | throughput | TTFT | total duration |\n|---|---:|---:|---:|\n";
    for (std::size_t i = 1; i < run.agents.size(); ++i) {
      const auto& a = run.agents[i];
      md += fmt::format("| {} | {} | {} | {} |\n", a.agent,
                        delta(base.metrics.throughput_tps, a.metrics.throughput_tps),
                        delta(base.metrics.ttft_ms, a.metrics.ttft_ms),
                        delta(base.metrics.total_duration_ms, a.metrics.total_duration_ms));
    }
    md +=
        "\nA single run's delta has no error bar; `chimera compare` over several runs gives "
        "confidence intervals and significance tests.\n\n";
  }
  md += "## Reports\n\n";
  for (const auto& a : run.agents) {
    md += fmt::format("- [{}]({}) — figures verified: {}/{}\n", a.agent, a.report_file,
                      a.figures_verified, a.figures);
  }
  return md;
}

nlohmann::json summary_json(const std::vector<RunRecord>& runs, bool simulated,
                            const std::string& scenario, bool complete) {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["scenario"] = scenario;
  j["simulated"] = simulated;
  j["complete"] = complete;
  j["runs"] = nlohmann::json::array();
  std::vector<ConcurrencyMeasurement> measurements;
  for (const auto& r : runs) {
    j["runs"].push_back(to_json(r));
    if (r.concurrency) measurements.push_back(*r.concurrency);
  }
  const auto across = summarize_concurrency(measurements);
  auto summary = [](const stats::Summary& s) {
    nlohmann::json o = {{"n", s.n}};
    o["mean"] = s.mean ? nlohmann::json(*s.mean) : nlohmann::json(nullptr);
    o["sd"] = s.sd ? nlohmann::json(*s.sd) : nlohmann::json(nullptr);
    o["ci95_low"] = s.ci95_low ? nlohmann::json(*s.ci95_low) : nlohmann::json(nullptr);
    o["ci95_high"] = s.ci95_high ? nlohmann::json(*s.ci95_high) : nlohmann::json(nullptr);
    return o;
  };
  j["concurrency"] = {{"runs_measured", across.runs},
                      {"speedup", summary(across.speedup)},
                      {"efficiency", summary(across.efficiency)},
                      {"wall_ms", summary(across.wall_ms)},
                      {"sum_isolated_ms", summary(across.sum_isolated_ms)},
                      {"runs_with_contention", across.runs_with_contention},
                      {"runs_with_reload", across.runs_with_reload}};
  nlohmann::json slow = nlohmann::json::object();
  for (const auto& [agent, s] : across.slowdown) slow[agent] = summary(s);
  j["concurrency"]["slowdown"] = slow;
  return j;
}

std::string render_summary_markdown(const std::vector<RunRecord>& runs, bool simulated,
                                    const std::string& scenario) {
  std::string md = fmt::format("# Summary — {} ({} run{})\n\n", scenario, runs.size(),
                               runs.size() == 1 ? "" : "s");
  if (simulated) md += "> **SIMULATED** — every run here was served by `chimera sim`.\n\n";
  md +=
      "| run | agent | status | throughput | TTFT | total duration | tokens | verified figures |\n"
      "|---:|---|---|---:|---:|---:|---:|---:|\n";
  std::vector<ConcurrencyMeasurement> measurements;
  for (const auto& r : runs) {
    for (const auto& a : r.agents) {
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {}/{} |\n", r.index, a.agent,
                        a.ok ? "ok" : "failed", opt_tps(a.metrics.throughput_tps),
                        opt_ms(a.metrics.ttft_ms), opt_ms(a.metrics.total_duration_ms),
                        a.metrics.tokens_generated, a.figures_verified, a.figures);
    }
    if (r.concurrency) measurements.push_back(*r.concurrency);
  }
  md += "\n";
  if (!measurements.empty()) {
    const auto across = summarize_concurrency(measurements);
    md += "## Concurrency across runs (measured)\n\n";
    md += fmt::format(
        "| measure | mean ± sd (95% CI) |\n|---|---|\n| speedup | {} |\n| efficiency | {} "
        "|\n| concurrent wall time | {} |\n| ΣT_i isolated | {} |\n",
        summary_cell(across.speedup, 1, "x", 3), summary_cell(across.efficiency, 100, "%", 1),
        summary_cell(across.wall_ms, 1, " ms", 1),
        summary_cell(across.sum_isolated_ms, 1, " ms", 1));
    for (const auto& [agent, s] : across.slowdown) {
      md += fmt::format("| slowdown of {} | {} |\n", agent, summary_cell(s, 1, "x", 2));
    }
    md += fmt::format(
        "\nRuns with contention: {} of {}; runs with a model reload inside the "
        "concurrent run: {}.\n",
        across.runs_with_contention, across.runs, across.runs_with_reload);
  }
  return md;
}

}  // namespace chimera::orchestrate
