#include "chimera/orchestrate/run/concurrency.hpp"

#include <fmt/format.h>

#include <map>

namespace chimera::orchestrate {

ConcurrencyMeasurement measure_concurrency(const ExecutionResult& isolated,
                                           const ExecutionResult& concurrent, double threshold,
                                           double cold_threshold_ms) {
  ConcurrencyMeasurement m;
  m.agents = concurrent.agents.size();
  m.threshold = threshold;
  m.wall_ms = concurrent.wall_ms;
  bool complete = isolated.agents.size() == concurrent.agents.size() && !isolated.interrupted &&
                  !concurrent.interrupted;
  for (std::size_t i = 0; i < concurrent.agents.size(); ++i) {
    const auto& c = concurrent.agents[i];
    AgentConcurrency a;
    a.agent = c.agent;
    a.concurrent_ms = c.duration_ms();
    if (i < isolated.agents.size()) {
      const auto& iso = isolated.agents[i];
      a.isolated_ms = iso.duration_ms();
      complete = complete && iso.ok && c.ok;
    }
    for (const auto& call : c.calls) {
      const double load = call.server.load_ms.value_or(0);
      if (load > cold_threshold_ms) {
        a.reloaded = true;
        a.reload_ms += load;
      }
    }
    if (a.isolated_ms > 0) a.slowdown = a.concurrent_ms / a.isolated_ms;
    m.reload_in_concurrent_run = m.reload_in_concurrent_run || a.reloaded;
    m.sum_isolated_ms += a.isolated_ms;
    m.per_agent.push_back(a);
  }
  if (!complete || m.wall_ms <= 0 || m.agents == 0) {
    m.verdict =
        "not measured: some agent failed or the run was interrupted, so the isolated and "
        "concurrent times are not comparable";
    return m;
  }
  m.speedup = m.sum_isolated_ms / m.wall_ms;
  m.efficiency = m.speedup / static_cast<double>(m.agents);
  const bool below = m.efficiency < threshold;
  m.contention = below && !m.reload_in_concurrent_run;
  if (!below) {
    m.verdict = fmt::format("no contention: efficiency {:.1f}% ≥ {:.0f}% threshold",
                            m.efficiency * 100, threshold * 100);
  } else if (m.reload_in_concurrent_run) {
    std::string who;
    for (const auto& a : m.per_agent) {
      if (a.reloaded)
        who += fmt::format("{}{} ({:.0f} ms load)", who.empty() ? "" : ", ", a.agent, a.reload_ms);
    }
    m.verdict = fmt::format(
        "efficiency {:.1f}% is below {:.0f}%, but a model reload happened inside "
        "the concurrent run ({}): that is a reload, not contention",
        m.efficiency * 100, threshold * 100, who);
  } else {
    std::string worst;
    double worst_slowdown = 0;
    for (const auto& a : m.per_agent) {
      if (a.slowdown > worst_slowdown) {
        worst_slowdown = a.slowdown;
        worst = a.agent;
      }
    }
    m.verdict =
        fmt::format("contention: efficiency {:.1f}% < {:.0f}%; {} ran {:.2f}x slower than alone",
                    m.efficiency * 100, threshold * 100, worst, worst_slowdown);
  }
  return m;
}

ConcurrencyAcrossRuns summarize_concurrency(const std::vector<ConcurrencyMeasurement>& runs) {
  ConcurrencyAcrossRuns out;
  std::vector<double> speedup, efficiency, wall, sum;
  std::map<std::string, std::vector<double>> slowdowns;
  std::vector<std::string> order;
  for (const auto& m : runs) {
    if (m.speedup <= 0) continue;
    ++out.runs;
    speedup.push_back(m.speedup);
    efficiency.push_back(m.efficiency);
    wall.push_back(m.wall_ms);
    sum.push_back(m.sum_isolated_ms);
    if (m.contention) ++out.runs_with_contention;
    if (m.reload_in_concurrent_run) ++out.runs_with_reload;
    for (const auto& a : m.per_agent) {
      if (!slowdowns.contains(a.agent)) order.push_back(a.agent);
      slowdowns[a.agent].push_back(a.slowdown);
    }
  }
  out.speedup = stats::summarize(speedup);
  out.efficiency = stats::summarize(efficiency);
  out.wall_ms = stats::summarize(wall);
  out.sum_isolated_ms = stats::summarize(sum);
  for (const auto& name : order) out.slowdown.emplace_back(name, stats::summarize(slowdowns[name]));
  return out;
}

}  // namespace chimera::orchestrate
