#include "chimera/orchestrate/run/concurrency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "chimera/stats/descriptive.hpp"
#include "chimera/stats/distributions.hpp"

namespace chimera::orchestrate {
namespace {

std::string percent(double fraction) {
  return fmt::format("{:.1f}%", fraction * 100);
}

// finish(i) = T_i + max finish(d) over its dependencies; 0 while unvisited,
// -1 while on the current path (a cycle when met again).
Expected<double> finish_ms(std::size_t i, const std::vector<AgentTimes>& agents,
                           const std::map<std::string, std::size_t>& index,
                           std::vector<double>& finish) {
  if (finish[i] > 0) return finish[i];
  if (finish[i] < 0) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("the agents' dependencies form a cycle through '{}'", agents[i].name));
  }
  finish[i] = -1;
  double start = 0;
  for (const auto& dependency : agents[i].depends_on) {
    const auto it = index.find(dependency);
    if (it == index.end()) {
      return fail(
          FailureKind::kInvalidInput,
          fmt::format("agent '{}' depends on unknown agent '{}'", agents[i].name, dependency));
    }
    auto before = finish_ms(it->second, agents, index, finish);
    if (!before) return before;
    start = std::max(start, *before);
  }
  // A baseline of 0 still counts as visited.
  finish[i] = start + std::max(median_ms(agents[i].isolated_ms), 1e-12);
  return finish[i];
}

AgentFigures agent_figures(const AgentTimes& agent, const ConcurrencyOptions& options) {
  AgentFigures a;
  a.name = agent.name;
  a.isolated_ms = median_ms(agent.isolated_ms);
  a.concurrent_ms = agent.concurrent_ms;
  a.repetitions = agent.isolated_ms.size();
  a.reloaded = agent.reloaded;
  a.ok = agent.ok;
  if (a.isolated_ms > 0) {
    a.slowdown = a.concurrent_ms / a.isolated_ms;
    const auto [low, high] =
        std::minmax_element(agent.isolated_ms.begin(), agent.isolated_ms.end());
    a.spread = (*high - *low) / a.isolated_ms;
  }
  a.noise = std::max(options.noise, a.spread);
  return a;
}

// Why the baselines cannot be trusted, if they cannot: repetitions that
// disagree, an agent faster together than alone, an efficiency above 100%.
std::vector<std::string> instability(const ConcurrencyFigures& f,
                                     const std::vector<AgentTimes>& agents,
                                     const ConcurrencyOptions& options) {
  std::vector<std::string> reasons;
  double noise = options.noise;
  // A difference this small cannot move the efficiency (the critical path over
  // the wall time) by more than the noise, however short the agent.
  const double floor_ms = options.noise * f.critical_path_ms;
  for (std::size_t i = 0; i < f.per_agent.size(); ++i) {
    const auto& a = f.per_agent[i];
    noise = std::max(noise, a.noise);
    const auto [low, high] =
        std::minmax_element(agents[i].isolated_ms.begin(), agents[i].isolated_ms.end());
    if (a.spread > options.baseline_tolerance && *high - *low > floor_ms) {
      reasons.push_back(
          fmt::format("{}'s isolated repetitions differ by {} of their median ({:.0f}–{:.0f} ms)",
                      a.name, percent(a.spread), *low, *high));
    }
    if (a.slowdown < 1.0 - a.noise && a.isolated_ms - a.concurrent_ms > floor_ms) {
      reasons.push_back(fmt::format("{} ran faster together than alone ({:.2f}x its baseline)",
                                    a.name, a.slowdown));
    }
  }
  if (f.efficiency > 1.0 + noise) {
    reasons.push_back(
        fmt::format("efficiency {} is above 100% beyond noise", percent(f.efficiency)));
  }
  return reasons;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(separator)) + p;
  return out;
}

// The verdict once the figures are measured and the baselines stable.
void judge_contention(ConcurrencyFigures& f) {
  std::vector<const AgentFigures*> slower;
  for (const auto& a : f.per_agent) {
    if (a.slowdown > 1.0 + a.noise) slower.push_back(&a);
  }
  std::sort(slower.begin(), slower.end(),
            [](const auto* x, const auto* y) { return x->slowdown > y->slowdown; });
  const bool below = f.efficiency < f.threshold;
  if (below && !slower.empty()) {
    // The five slowest by name; the per-agent table has every one.
    constexpr std::size_t kNamed = 5;
    std::vector<std::string> who, reloads;
    for (const auto* a : slower) {
      if (who.size() < kNamed) {
        who.push_back(fmt::format("{} ran {:.2f}x slower than alone", a->name, a->slowdown));
      }
      if (a->reloaded) reloads.push_back(a->name);
    }
    if (slower.size() > kNamed) {
      who.push_back(
          fmt::format("and {} more agents slower than alone beyond noise", slower.size() - kNamed));
    }
    if (!reloads.empty()) {
      f.verdict = fmt::format(
          "efficiency {} is below {}, but a model reload happened inside the concurrent run "
          "({}): that is a reload, not contention",
          percent(f.efficiency), percent(f.threshold), join(reloads, ", "));
      return;
    }
    f.contention = true;
    f.verdict = fmt::format("contention: efficiency {} < {}; {}", percent(f.efficiency),
                            percent(f.threshold), join(who, ", "));
  } else if (below) {
    f.verdict = fmt::format(
        "no contention among the agents: efficiency {} < {}, but no agent ran slower than "
        "alone beyond noise (the wall time includes time outside the agents)",
        percent(f.efficiency), percent(f.threshold));
  } else {
    f.verdict =
        fmt::format("no contention: efficiency {} ≥ {} (speedup {:.2f}x of an ideal {:.2f}x)",
                    percent(f.efficiency), percent(f.threshold), f.speedup, f.ideal_speedup);
    if (f.efficiency_above_100) f.verdict += "; above 100% only within noise";
    // A short agent may wait without moving the critical path: say so.
    for (const auto* a : slower) {
      f.verdict += fmt::format("; {} ran {:.2f}x slower than alone, off the critical path", a->name,
                               a->slowdown);
    }
  }
}

}  // namespace

double median_ms(const std::vector<double>& values) {
  return stats::percentile(values, 50).value_or(0.0);
}

Expected<double> critical_path_ms(const std::vector<AgentTimes>& agents) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < agents.size(); ++i) index[agents[i].name] = i;
  std::vector<double> finish(agents.size(), 0.0);
  double longest = 0;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    auto f = finish_ms(i, agents, index, finish);
    if (!f) return f;
    longest = std::max(longest, *f);
  }
  return longest;
}

std::vector<AgentTimes> agent_times(
    const std::vector<ExecutionResult>& isolated_repetitions, const ExecutionResult& concurrent,
    const std::map<std::string, std::vector<std::string>>& depends_on, double cold_threshold_ms) {
  std::vector<AgentTimes> out;
  for (std::size_t i = 0; i < concurrent.agents.size(); ++i) {
    const auto& c = concurrent.agents[i];
    AgentTimes a;
    a.name = c.agent;
    a.concurrent_ms = c.duration_ms();
    a.ok = c.ok && !concurrent.interrupted;
    for (const auto& repetition : isolated_repetitions) {
      const bool present = i < repetition.agents.size() && repetition.agents[i].agent == c.agent;
      a.ok = a.ok && present && repetition.agents[i].ok && !repetition.interrupted;
      if (present) a.isolated_ms.push_back(repetition.agents[i].duration_ms());
    }
    for (const auto& call : c.calls) {
      a.reloaded = a.reloaded || call.server.load_ms.value_or(0) > cold_threshold_ms;
    }
    if (const auto it = depends_on.find(c.agent); it != depends_on.end()) a.depends_on = it->second;
    out.push_back(std::move(a));
  }
  return out;
}

ConcurrencyFigures concurrency_figures(const std::vector<AgentTimes>& agents, double wall_ms,
                                       const ConcurrencyOptions& options) {
  ConcurrencyFigures f;
  f.agents = agents.size();
  f.wall_ms = wall_ms;
  f.threshold = options.threshold;
  bool complete = !agents.empty() && wall_ms > 0;
  for (const auto& agent : agents) {
    f.per_agent.push_back(agent_figures(agent, options));
    f.reloaded = f.reloaded || agent.reloaded;
    f.sum_isolated_ms += f.per_agent.back().isolated_ms;
    complete =
        complete && agent.ok && !agent.isolated_ms.empty() && f.per_agent.back().isolated_ms > 0;
  }
  if (!complete) {
    f.verdict =
        "not measured: some agent failed or the run was interrupted, so the isolated and "
        "concurrent times are not comparable";
    return f;
  }
  auto path = critical_path_ms(agents);
  if (!path) {
    f.verdict = "not measured: " + path.error().message;
    return f;
  }
  f.measured = true;
  f.critical_path_ms = *path;
  f.speedup = f.sum_isolated_ms / wall_ms;
  f.ideal_speedup = f.sum_isolated_ms / f.critical_path_ms;
  f.efficiency = f.critical_path_ms / wall_ms;
  f.efficiency_vs_n = f.speedup / static_cast<double>(f.agents);
  f.efficiency_above_100 = f.efficiency > 1.0;
  f.unstable_reasons = instability(f, agents, options);
  f.baseline_stable = f.unstable_reasons.empty();
  if (!f.baseline_stable) {
    f.verdict = fmt::format(
        "inconclusive: baseline unstable ({}); run more runs, more warm-up or more baseline "
        "repetitions so the isolated times agree",
        join(f.unstable_reasons, "; "));
    return f;
  }
  judge_contention(f);
  return f;
}

Estimate estimate(const std::vector<double>& values) {
  Estimate e;
  const auto clean = stats::without_nan(values);
  e.n = clean.size();
  e.mean = stats::mean(clean);
  e.sd = stats::sample_sd(clean);
  if (e.mean && e.sd) {
    const double t = stats::student_t_quantile(0.975, static_cast<double>(e.n - 1));
    const double half = t * *e.sd / std::sqrt(static_cast<double>(e.n));
    e.ci95_low = *e.mean - half;
    e.ci95_high = *e.mean + half;
  }
  return e;
}

ConcurrencyAggregate aggregate_concurrency(const std::vector<ConcurrencyFigures>& runs) {
  ConcurrencyAggregate out;
  out.runs = runs.size();
  std::vector<double> speedup, ideal, efficiency, vs_n, path, wall, sum;
  std::map<std::string, std::array<std::vector<double>, 3>> per_agent;
  std::vector<std::string> order;
  for (const auto& f : runs) {
    if (!f.measured) continue;
    ++out.measured;
    speedup.push_back(f.speedup);
    ideal.push_back(f.ideal_speedup);
    efficiency.push_back(f.efficiency);
    vs_n.push_back(f.efficiency_vs_n);
    path.push_back(f.critical_path_ms);
    wall.push_back(f.wall_ms);
    sum.push_back(f.sum_isolated_ms);
    if (f.contention) ++out.contention_runs;
    if (!f.baseline_stable) ++out.unstable_runs;
    for (const auto& a : f.per_agent) {
      if (!per_agent.contains(a.name)) order.push_back(a.name);
      auto& samples = per_agent[a.name];
      samples[0].push_back(a.isolated_ms);
      samples[1].push_back(a.concurrent_ms);
      samples[2].push_back(a.slowdown);
    }
  }
  out.speedup = estimate(speedup);
  out.ideal_speedup = estimate(ideal);
  out.efficiency = estimate(efficiency);
  out.efficiency_vs_n = estimate(vs_n);
  out.critical_path_ms = estimate(path);
  out.wall_ms = estimate(wall);
  out.sum_isolated_ms = estimate(sum);
  for (const auto& name : order) {
    const auto& s = per_agent[name];
    out.agents.push_back(AgentAggregate{name, estimate(s[0]), estimate(s[1]), estimate(s[2])});
  }
  if (out.measured == 0) {
    out.verdict = "not measured: no run had comparable isolated and concurrent times";
  } else if (out.unstable_runs > 0) {
    out.verdict = fmt::format(
        "inconclusive: baseline unstable in {} of {} runs; run more runs or more warm-up",
        out.unstable_runs, out.measured);
  } else if (out.contention_runs > 0) {
    out.verdict = fmt::format("contention in {} of {} runs", out.contention_runs, out.measured);
  } else {
    out.verdict = fmt::format("no contention in {} runs", out.measured);
  }
  return out;
}

std::optional<ConcurrencyAggregate> aggregate_runs(const std::vector<RunRecord>& runs,
                                                   RunsAggregated which) {
  std::vector<ConcurrencyFigures> figures;
  for (const auto& r : runs) {
    if (!r.concurrency) continue;
    if (which == RunsAggregated::kFinished && r.interrupted) continue;
    figures.push_back(*r.concurrency);
  }
  if (figures.empty()) return std::nullopt;
  return aggregate_concurrency(figures);
}

}  // namespace chimera::orchestrate
