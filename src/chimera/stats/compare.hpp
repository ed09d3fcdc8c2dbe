#pragma once
// Comparing two samples of one metric: a baseline and a candidate.
// Sign convention everywhere: candidate − baseline, and relative
// differences are (candidate − baseline) / baseline. NaN values are dropped
// first, as in descriptive.hpp.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "chimera/stats/descriptive.hpp"

namespace chimera::stats {

struct WelchResult {
  double t = 0;   // (mean_c − mean_b) / se
  double df = 0;  // Welch–Satterthwaite degrees of freedom
  double p_two_sided = 1;
  double se = 0;  // sqrt(var_b / n_b + var_c / n_c)
};

// Welch's unequal-variance t-test. nullopt when either side has fewer than 2
// values, or when both sides have zero variance (se == 0: the test statistic
// is undefined; compare() reports such data without a test).
std::optional<WelchResult> welch_t_test(const std::vector<double>& baseline,
                                        const std::vector<double>& candidate);

struct MannWhitneyResult {
  // U of the baseline: the number of (baseline, candidate) pairs in which the
  // baseline value is larger, ties counting one half (scipy's convention for
  // its first argument). U of the candidate is n_b * n_c − u_baseline.
  double u_baseline = 0;
  double p_two_sided = 1;
  bool exact = false;         // exact null distribution, else normal approximation
  std::optional<double> z{};  // the normal approximation's statistic, when used
};

// Mann–Whitney U test, two-sided. Tied values get their midrank. Without ties
// and with n_b + n_c <= 50 the p value comes from the exact distribution of U
// (the coefficients of the Gaussian binomial [n_b + n_c choose n_b]_q, exact
// in doubles up to that size), p = min(1, 2 P(U <= min(U_b, U_c))). Otherwise
// the normal approximation with the tie-corrected variance
//   sigma² = n_b n_c / 12 * ((n + 1) − Σ(t³ − t) / (n (n − 1)))
// and a continuity correction, z = (|U_b − n_b n_c / 2| − 0.5) / sigma.
// When every value is tied (sigma == 0) p is 1. nullopt when a side is empty.
std::optional<MannWhitneyResult> mann_whitney_u(const std::vector<double>& baseline,
                                                const std::vector<double>& candidate);

struct Comparison {
  std::size_t n_baseline = 0;
  std::size_t n_candidate = 0;
  std::optional<double> mean_baseline{}, mean_candidate{};
  // mean_c − mean_b with its Welch confidence interval
  // (difference ± t_{(1+confidence)/2, df} * se).
  std::optional<double> difference{};
  std::optional<Interval> difference_ci{};
  // (mean_c − mean_b) / mean_b with a delta-method interval: the variance of
  // the ratio is var_c/n_c / mean_b² + mean_c² var_b/n_b / mean_b⁴, and the
  // interval uses the same t quantile as the difference. Absent when
  // mean_b is 0.
  std::optional<double> relative{};
  std::optional<Interval> relative_ci{};
  std::optional<WelchResult> welch{};
  std::optional<MannWhitneyResult> mann_whitney{};
  double confidence = 0.95;
  // The difference is outside the noise: the Welch interval excludes 0
  // (equivalently p < 1 − confidence), or both sides have no variance at all
  // and different means.
  bool significant = false;
};

Comparison compare(const std::vector<double>& baseline, const std::vector<double>& candidate,
                   double confidence = 0.95);

enum class Better { kHigher, kLower };

// One line a person reads: "faster by 4.1% ± 0.8%", "slower by 2.0% ± 1.1%",
// "no detectable difference" (inside the noise), or why there is no verdict.
// `better` says which direction is an improvement for the metric: kHigher for
// tokens per second, kLower for latencies; both read as faster/slower.
std::string verdict(const Comparison& comparison, Better better);

}  // namespace chimera::stats
