#include "chimera/orchestrate/run/concurrency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "chimera/stats/descriptive.hpp"

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
  a.reloads = std::max<std::size_t>(agent.reloads, agent.reloaded ? 1 : 0);
  a.reloaded = a.reloads > 0;
  a.reload_cause = agent.reload_cause;
  a.reload_evidence = agent.reload_evidence;
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

// "a ran 2.10x slower than alone, b ran 1.50x slower than alone": the five
// slowest by name (the per-agent table has every one), then how many more.
std::string slower_text(std::vector<const AgentFigures*> slower) {
  std::sort(slower.begin(), slower.end(),
            [](const auto* x, const auto* y) { return x->slowdown > y->slowdown; });
  constexpr std::size_t kNamed = 5;
  std::vector<std::string> who;
  for (const auto* a : slower) {
    if (who.size() == kNamed) break;
    who.push_back(fmt::format("{} ran {:.2f}x slower than alone", a->name, a->slowdown));
  }
  if (slower.size() > kNamed) {
    who.push_back(
        fmt::format("and {} more agents slower than alone beyond noise", slower.size() - kNamed));
  }
  return join(who, ", ");
}

// The agents whose reloads running together caused, those set apart, and
// the ones slower than alone beyond noise without a reload.
struct Slowdowns {
  std::vector<std::size_t> reloaded_together;
  std::vector<std::string> set_apart;
  std::vector<const AgentFigures*> slower;            // no reload of their own
  std::vector<const AgentFigures*> slower_set_apart;  // slower, with a reload set apart
};

Slowdowns sort_slowdowns(const ConcurrencyFigures& f) {
  Slowdowns s;
  for (std::size_t i = 0; i < f.per_agent.size(); ++i) {
    const auto& a = f.per_agent[i];
    const bool slower = a.slowdown > 1.0 + a.noise;
    if (a.reloads > 0 && a.reload_cause.empty()) {
      s.reloaded_together.push_back(i);
    } else if (a.reloads > 0) {
      s.set_apart.push_back(fmt::format("{}'s {} model reload(s) are set apart: {}", a.name,
                                        a.reloads, a.reload_cause));
      if (slower) s.slower_set_apart.push_back(&a);
    } else if (slower) {
      s.slower.push_back(&a);
    }
  }
  return s;
}

// Contention by model reloads: how many, whose, which layout option differed, what to do.
void judge_reloads(ConcurrencyFigures& f, const Slowdowns& s,
                   const std::vector<AgentTimes>& agents) {
  std::vector<std::string> counts, names;
  std::vector<AgentServer> servers;
  for (const auto& a : agents) {
    names.push_back(a.name);
    servers.push_back(a.server);
  }
  for (auto i : s.reloaded_together) {
    const auto& a = f.per_agent[i];
    f.reloads += a.reloads;
    counts.push_back(
        fmt::format("{} {} (ran {:.2f}x slower than alone)", a.name, a.reloads, a.slowdown));
  }
  const std::string layouts = differing_layouts(names, servers, s.reloaded_together);
  f.contention = true;
  f.reload_contention = true;
  f.verdict = fmt::format(
      "contention (model reloads): {} model reload(s) inside the concurrent run ({}), none in "
      "the isolated phase: running together made the server swap the model; efficiency {}; {}; "
      "use one num_ctx/num_gpu for agents sharing a server, or give them separate servers",
      f.reloads, join(counts, ", "), percent(f.efficiency),
      layouts.empty() ? "the agents sharing the server differ in no model, num_ctx or num_gpu"
                      : "the agents sharing the server differ in " + layouts);
  if (!s.slower.empty()) f.verdict += "; without a reload: " + slower_text(s.slower);
}

// The verdict once the figures are measured and the baselines stable.
void judge_contention(ConcurrencyFigures& f, const std::vector<AgentTimes>& agents) {
  Slowdowns s = sort_slowdowns(f);
  const bool below = f.efficiency < f.threshold;
  // A reload set apart slowed the run: the efficiency no longer measures
  // contention, so an agent without a reload counts only when it ran below
  // the threshold on its own (slowdown above 1 / threshold).
  const bool reload_set_apart = !s.slower_set_apart.empty();
  if (reload_set_apart) {
    std::erase_if(s.slower, [&](const auto* a) { return a->slowdown <= 1.0 / f.threshold; });
  }
  if (!s.reloaded_together.empty()) {
    judge_reloads(f, s, agents);
  } else if (below && !s.slower.empty()) {
    f.contention = true;
    f.verdict = fmt::format("contention: efficiency {} < {}; {}", percent(f.efficiency),
                            percent(f.threshold), slower_text(s.slower));
  } else if (below) {
    f.verdict = fmt::format(
        "no contention among the agents: efficiency {} < {}, but {}", percent(f.efficiency),
        percent(f.threshold),
        s.slower_set_apart.empty()
            ? "no agent ran slower than alone beyond noise (the wall time includes time outside "
              "the agents)"
            : fmt::format("the time lost is a model reload set apart, and no other agent ran "
                          "more than {:.2f}x (1 / threshold) slower than alone",
                          1.0 / f.threshold));
  } else {
    f.verdict =
        fmt::format("no contention: efficiency {} ≥ {} (speedup {:.2f}x of an ideal {:.2f}x)",
                    percent(f.efficiency), percent(f.threshold), f.speedup, f.ideal_speedup);
    if (f.efficiency_above_100) f.verdict += "; above 100% only within noise";
    // A short agent may wait without moving the critical path: say so.
    for (const auto* a : s.slower) {
      f.verdict += fmt::format("; {} ran {:.2f}x slower than alone, off the critical path", a->name,
                               a->slowdown);
    }
  }
  if (!s.slower_set_apart.empty()) {
    f.verdict += "; slower with a model reload set apart: " + slower_text(s.slower_set_apart);
  }
  for (const auto& note : s.set_apart) f.verdict += "; " + note;
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
    a.server = agent_server(c);
    if (const auto it = depends_on.find(c.agent); it != depends_on.end()) a.depends_on = it->second;
    out.push_back(std::move(a));
  }
  const auto reloads = find_reloads(isolated_repetitions, concurrent, cold_threshold_ms);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].reloads = reloads[i].reloads;
    out[i].reloaded = reloads[i].reloads > 0;
    out[i].reload_cause = reloads[i].cause;
    out[i].reload_evidence = reloads[i].evidence;
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
  const bool one_repetition = std::all_of(agents.begin(), agents.end(),
                                          [](const auto& a) { return a.isolated_ms.size() == 1; });
  if (f.unstable_reasons.empty() && one_repetition) {
    f.baseline_stable = std::nullopt;
    f.baseline_stability_note =
        "baseline stability unknown: one isolated repetition per agent (--baseline-runs 1) "
        "cannot show whether its time repeats";
  }
  if (!f.unstable_reasons.empty()) {
    f.verdict = fmt::format(
        "inconclusive: baseline unstable ({}); run more runs, more warm-up or more baseline "
        "repetitions so the isolated times agree",
        join(f.unstable_reasons, "; "));
    return f;
  }
  judge_contention(f, agents);
  if (!f.baseline_stable) f.verdict += "; " + f.baseline_stability_note;
  return f;
}

}  // namespace chimera::orchestrate
