#include "chimera/orchestrate/run/concurrency_aggregate.hpp"

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

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(separator)) + p;
  return out;
}

// Every measured run is included unless its own verdict was inconclusive.
bool inconclusive(const ConcurrencyFigures& f) {
  return f.baseline_stable.has_value() && !*f.baseline_stable;
}

const char* category(const ConcurrencyFigures& f) {
  return f.contention ? "contention" : "no contention";
}

// "run 1 contention (efficiency 18.5%); runs 2, 3 no contention (efficiency 103.8%, 97.9%)"
std::string verdicts_by_category(const std::vector<RunFigures>& included) {
  std::vector<std::string> parts;
  for (const char* c : {"contention", "no contention"}) {
    std::vector<std::string> runs, figures;
    for (const auto& r : included) {
      if (std::string_view(category(r.figures)) != c) continue;
      runs.push_back(std::to_string(r.run));
      figures.push_back(percent(r.figures.efficiency));
    }
    if (runs.empty()) continue;
    parts.push_back(fmt::format("run{} {} {} (efficiency {})", runs.size() == 1 ? "" : "s",
                                join(runs, ", "), c, join(figures, ", ")));
  }
  return join(parts, "; ");
}

std::string outlier_text(const OutlierRun& o) {
  return fmt::format(
      "run {} is an outlier (efficiency {}, {:.1f} points from the median {} > the limit {:.1f})",
      o.run, percent(o.efficiency), std::abs(o.efficiency - o.median) * 100, percent(o.median),
      o.limit * 100);
}

void fill_estimates(ConcurrencyAggregate& out, const std::vector<RunFigures>& included) {
  std::vector<double> speedup, ideal, efficiency, vs_n, path, wall, sum;
  std::map<std::string, std::array<std::vector<double>, 3>> per_agent;
  std::vector<std::string> order;
  for (const auto& r : included) {
    const auto& f = r.figures;
    speedup.push_back(f.speedup);
    ideal.push_back(f.ideal_speedup);
    efficiency.push_back(f.efficiency);
    vs_n.push_back(f.efficiency_vs_n);
    path.push_back(f.critical_path_ms);
    wall.push_back(f.wall_ms);
    sum.push_back(f.sum_isolated_ms);
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
}

std::string agreed_verdict(const ConcurrencyAggregate& g) {
  if (g.contention_runs == 0) return fmt::format("no contention in {} runs", g.included);
  if (g.reload_contention_runs == g.contention_runs) {
    return fmt::format(
        "contention (model reloads) in {} of {} runs: use one num_ctx/num_gpu for agents sharing "
        "a server, or give them separate servers",
        g.contention_runs, g.included);
  }
  return fmt::format("contention in {} of {} runs{}", g.contention_runs, g.included,
                     g.reload_contention_runs > 0
                         ? fmt::format(" (model reloads in {})", g.reload_contention_runs)
                         : "");
}

void judge(ConcurrencyAggregate& g, const std::vector<RunFigures>& included,
           std::size_t unknown_stability) {
  if (g.measured == 0) {
    g.verdict = "not measured: no run had comparable isolated and concurrent times";
    return;
  }
  if (g.included == 0) {
    g.verdict = fmt::format(
        "inconclusive: baseline unstable in {} of {} runs; run more runs or more warm-up",
        g.unstable_runs, g.measured);
  } else if (g.runs_disagree) {
    std::vector<std::string> outliers;
    for (const auto& o : g.outliers) outliers.push_back(outlier_text(o));
    g.verdict = "inconclusive: runs disagree: " + verdicts_by_category(included);
    if (!outliers.empty()) g.verdict += "; " + join(outliers, "; ");
    g.verdict += "; run more runs, or look at the outlying runs' reports";
  } else {
    g.verdict = agreed_verdict(g);
  }
  if (g.included > 0 && !g.left_out.empty()) {
    g.verdict += "; left out of the figures: " + join(g.left_out, ", ");
  }
  if (unknown_stability > 0) {
    g.verdict +=
        fmt::format("; baseline stability unknown in {} run(s): one isolated repetition per agent",
                    unknown_stability);
  }
}

}  // namespace

Estimate estimate(const std::vector<double>& values) {
  Estimate e;
  const auto clean = stats::without_nan(values);
  e.n = clean.size();
  e.mean = stats::mean(clean);
  e.sd = stats::sample_sd(clean);
  const bool positive =
      std::all_of(clean.begin(), clean.end(), [](double v) { return v > 0 && std::isfinite(v); });
  if (clean.empty() || !positive) return e;
  std::vector<double> logs;
  for (double v : clean) logs.push_back(std::log(v));
  const double m = *stats::mean(logs);
  e.geometric_mean = std::exp(m);
  if (const auto s = stats::sample_sd(logs)) {
    const double t = stats::student_t_quantile(0.975, static_cast<double>(e.n - 1));
    const double half = t * *s / std::sqrt(static_cast<double>(e.n));
    e.ci95_low = std::exp(m - half);
    e.ci95_high = std::exp(m + half);
  }
  return e;
}

std::vector<OutlierRun> outliers(const std::vector<RunValue>& runs, double noise) {
  std::vector<OutlierRun> out;
  if (runs.size() < 3) return out;
  std::vector<double> values, distances;
  for (const auto& r : runs) values.push_back(r.value);
  const double median = *stats::percentile(values, 50);
  for (double v : values) distances.push_back(std::abs(v - median));
  const double mad = *stats::percentile(distances, 50);
  const double limit =
      std::max(kOutlierMads * kMadToSd * mad, kOutlierNoiseShares * noise * std::abs(median));
  for (const auto& r : runs) {
    if (std::abs(r.value - median) > limit) out.push_back({r.run, r.value, median, limit});
  }
  return out;
}

ConcurrencyAggregate aggregate_concurrency(const std::vector<RunFigures>& runs,
                                           const ConcurrencyOptions& options) {
  ConcurrencyAggregate g;
  g.runs = runs.size();
  std::vector<RunFigures> included;
  std::size_t unknown_stability = 0;
  for (const auto& r : runs) {
    const auto& f = r.figures;
    if (!f.measured) continue;
    ++g.measured;
    if (inconclusive(f)) {
      ++g.unstable_runs;
      g.left_out.push_back(fmt::format("run {} (inconclusive: baseline unstable)", r.run));
      continue;
    }
    included.push_back(r);
    if (!f.baseline_stable) ++unknown_stability;
    if (f.contention) ++g.contention_runs;
    if (f.reload_contention) ++g.reload_contention_runs;
  }
  g.included = included.size();
  fill_estimates(g, included);
  std::vector<RunValue> efficiencies;
  for (const auto& r : included) efficiencies.push_back({r.run, r.figures.efficiency});
  g.outliers = outliers(efficiencies, options.noise);
  g.outlier_rule = fmt::format(
      "from 3 included runs on, a run whose efficiency x has |x − M| > max({:g} × {:g} × MAD, "
      "{:g} × {:g} × M), M the median of the included runs' efficiencies and MAD the median of "
      "|x − M|",
      kOutlierMads, kMadToSd, kOutlierNoiseShares, options.noise);
  g.runs_disagree =
      !g.outliers.empty() || (g.contention_runs > 0 && g.contention_runs < g.included);
  if (g.efficiency.geometric_mean && *g.efficiency.geometric_mean > 1.0) {
    g.above_100 = "above 100% only within noise, as each included run judged its own";
  }
  judge(g, included, unknown_stability);
  return g;
}

ConcurrencyAggregate aggregate_concurrency(const std::vector<ConcurrencyFigures>& runs) {
  std::vector<RunFigures> numbered;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    numbered.push_back({static_cast<int>(i + 1), runs[i]});
  }
  return aggregate_concurrency(numbered);
}

std::optional<ConcurrencyAggregate> aggregate_runs(const std::vector<RunRecord>& runs,
                                                   RunsAggregated which) {
  std::vector<RunFigures> figures;
  for (const auto& r : runs) {
    if (!r.concurrency) continue;
    if (which == RunsAggregated::kFinished && r.interrupted) continue;
    figures.push_back({r.index, *r.concurrency});
  }
  if (figures.empty()) return std::nullopt;
  return aggregate_concurrency(figures);
}

}  // namespace chimera::orchestrate
