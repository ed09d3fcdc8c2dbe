#pragma once
// The charts of the HTML reports (internal to report/). Each returns one
// <figure data-chart="KIND"> holding its caption, the SVG, a legend, a note on
// how the data were reduced, and a <table> with the same numbers, so a
// screen-reader user (and a test) reads exactly what the chart shows.
// Table rows carry data-key (the configuration or candidate) and cells
// data-field (the JSON field name of the number), matching the JSON report.

#include <optional>
#include <string>
#include <vector>

#include "chimera/report/model.hpp"
#include "chimera/stats/compare.hpp"

namespace chimera::report::html {

// At most this many points per curve: larger samples are drawn through this
// many evenly spaced quantiles (and the chart says so).
inline constexpr std::size_t kMaxCurvePoints = 200;

struct CdfInput {
  std::string key, label;
  stats::Summary summary{};
  // Raw values; empty when only the summary is known (a JSON results file),
  // and then the curve goes through its percentiles.
  std::vector<double> values{};
};

// kind: "ttft-cdf", "tpot-cdf" or "e2e-cdf"; "" when no input has values.
std::string cdf_figure(const std::string& kind, Metric metric, std::vector<CdfInput> inputs);

struct RankingInput {
  std::string key, label;
  stats::Summary summary{};
};

// Mean of `metric` with its 95% CI, in the given (ranked) order.
std::string ranking_figure(const Ranking& ranking, const std::vector<RankingInput>& rows,
                           bool ranked);

// One offered load of a load sweep.
struct LoadPoint {
  std::string label;  // e.g. "concurrency 8" or "4 req/s"
  // Absent when the load level has no throughput (nothing finished): no point
  // is drawn for it and its table cell says n/a.
  std::optional<double> output_tps{};
  std::optional<double> ttft_p50_ms{}, ttft_p99_ms{}, tpot_p50_ms{}, tpot_p99_ms{};
};

struct LoadSlo {
  std::optional<double> ttft_ms{}, tpot_ms{};
};

// Latency against output throughput: TTFT and TPOT (p50 and p99), SLO lines
// when given; "" without rows.
std::string load_curve_figure(const std::vector<LoadPoint>& rows, const LoadSlo& slo = {});

struct CompareRow {
  std::string candidate;
  Metric metric = Metric::kE2eMs;
  stats::Comparison comparison{};
  std::string verdict;
};

// Per metric, each candidate's difference of means (candidate − baseline) with
// its confidence interval; "" without rows.
std::string compare_figure(const std::vector<CompareRow>& rows);

// One request of a `chimera run`, placed on its run's timeline.
struct TimelineCall {
  std::string id;  // the request id, unique in the run directory
  int run = 0;
  std::string agent, phase;         // phase: "isolated", "concurrent" or "warmup"
  double start_ms = 0, end_ms = 0;  // after the run began
  bool warmup = false, ok = true;
};

// At most this many requests are drawn in a timeline; the runs past the
// budget are left out, and the chart says so.
inline constexpr std::size_t kMaxTimelineCalls = 400;

// One panel per run (lanes: `agents`, in order), phases shaded, warm-ups
// marked; "" without calls.
std::string timeline_figure(const std::vector<std::string>& agents,
                            const std::vector<TimelineCall>& calls, int runs_total);

// An agent's slowdown (concurrent duration / isolated baseline) across runs.
struct SlowdownRow {
  std::string agent;
  std::size_t n = 0;  // runs measured
  std::optional<double> mean{}, sd{}, ci95_low{}, ci95_high{};
};

// Slowdown per agent with its 95% CI where there is one; "" without rows.
std::string slowdown_figure(const std::vector<SlowdownRow>& rows);

// The page around the charts: doctype, head with inline CSS (screen and
// print), the heading and the SIMULATED banner when it applies.
std::string page_open(const std::string& title, bool simulated);
std::string page_close();

}  // namespace chimera::report::html
