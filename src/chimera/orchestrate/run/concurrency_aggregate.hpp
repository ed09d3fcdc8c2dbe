#pragma once
// The concurrency figures of several runs taken together: intervals that stay
// inside a ratio's range, runs already judged inconclusive left out (and
// named), and a verdict that says "inconclusive: runs disagree" when the
// included runs' verdicts differ or one run is an outlier.
//
// Interval: every figure here is positive (a ratio or a duration), so its
// centre is the geometric mean and its 95% confidence interval is Student's
// t on the natural logarithms of the values, taken back:
//   exp(m ± t(0.975, n − 1) · s / √n), m and s the mean and sample sd of the logs.
// Both bounds are above 0 for any values; below 2 runs there is no interval.
//
// Outlier rule (on the efficiency of the included runs, from 3 runs on): with
// M their median and MAD the median of |x − M|, a run is an outlier when
//   |x − M| > max(kOutlierMads · kMadToSd · MAD, kOutlierNoiseShares · noise · M)
// kMadToSd · MAD estimates the sd of normal values, so the first term is a
// 3-sd band that one wild run cannot widen; the second keeps runs that differ
// by no more than twice the relative timing noise (an efficiency is a ratio
// of two noisy timings) from being called outliers when the others agree
// exactly (MAD 0).

#include <optional>
#include <vector>

#include "chimera/orchestrate/run/concurrency.hpp"

namespace chimera::orchestrate {

inline constexpr double kOutlierMads = 3.0;
inline constexpr double kMadToSd = 1.4826;
inline constexpr double kOutlierNoiseShares = 2.0;

// Arithmetic mean and sample sd, geometric mean and the t interval on the
// logs. With a value ≤ 0 (never a measured figure) no geometric mean and no
// interval.
Estimate estimate(const std::vector<double>& values);

// The runs whose value lies beyond the outlier rule's limit; none below 3 values.
// `noise` is the smallest relative noise of one timing (ConcurrencyOptions::noise).
struct RunValue {
  int run = 0;
  double value = 0;
};
std::vector<OutlierRun> outliers(const std::vector<RunValue>& runs, double noise);

struct RunFigures {
  int run = 0;  // run_N
  ConcurrencyFigures figures;
};
ConcurrencyAggregate aggregate_concurrency(const std::vector<RunFigures>& runs,
                                           const ConcurrencyOptions& options = {});
// The same with the runs numbered 1, 2, … in the given order.
ConcurrencyAggregate aggregate_concurrency(const std::vector<ConcurrencyFigures>& runs);

// The aggregate over the runs' figures: every run that has them, or only the
// finished ones; absent when no run has figures.
enum class RunsAggregated { kEvery, kFinished };
std::optional<ConcurrencyAggregate> aggregate_runs(const std::vector<RunRecord>& runs,
                                                   RunsAggregated which);

}  // namespace chimera::orchestrate
