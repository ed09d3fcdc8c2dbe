#pragma once
// Descriptive statistics over samples of doubles.
//
// NaN policy (the same for every function here): NaN values are dropped
// before computing, and summarize() reports how many were dropped in
// Summary::nan_count, so a NaN never turns a whole statistic into NaN
// silently. A statistic that is undefined for the sample (the mean of no
// values, the sd of one value) is std::nullopt, never 0 and never NaN.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace chimera::stats {

// The values that are not NaN, in their original order. Infinities are kept:
// they are real (if unhelpful) measurements and show up in min/max.
std::vector<double> without_nan(const std::vector<double>& values);
std::size_t count_nan(const std::vector<double>& values);

// Arithmetic mean. nullopt for no values.
std::optional<double> mean(const std::vector<double>& values);

// Sample standard deviation with Bessel's correction (divides by n - 1).
// nullopt for fewer than 2 values: one value says nothing about spread.
std::optional<double> sample_sd(const std::vector<double>& values);

// Coefficient of variation sd / |mean| (a fraction, 0.1 = 10%). nullopt when
// the sd is undefined (n < 2) or the mean is 0.
std::optional<double> cv(const std::vector<double>& values);

std::optional<double> min(const std::vector<double>& values);
std::optional<double> max(const std::vector<double>& values);

// The p-th percentile, p in [0, 100], by linear interpolation between the
// closest ranks: Hyndman & Fan type 7, numpy's default method "linear" and
// R's default type. With the sorted values x[0..n-1], h = (n - 1) * p / 100
// and the result is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
// So the median of 2 values is their midpoint, p0 is the minimum and p100
// the maximum. nullopt for no values; p outside [0, 100] is clamped.
std::optional<double> percentile(const std::vector<double>& values, double p);

// The same on values already sorted ascending and free of NaN (no copy).
std::optional<double> percentile_of_sorted(const std::vector<double>& sorted, double p);

struct BootstrapOptions {
  // Number of resamples; 0 disables the confidence interval.
  std::size_t resamples = 2000;
  // summarize() above this many values gives Student's t interval instead:
  // there the bootstrap distribution of the mean is normal to within its own
  // resampling noise, and resampling costs n x resamples draws.
  std::size_t max_values = 5000;
  // Fixed seed, so the same sample always yields the same interval.
  std::uint64_t seed = 0x6368696d657261ULL;
  double confidence = 0.95;
};

struct Interval {
  double low = 0;
  double high = 0;
};

// Percentile bootstrap confidence interval of the mean: draw `resamples`
// samples of size n with replacement, take each one's mean, and return the
// (1 - confidence)/2 and (1 + confidence)/2 percentiles (type 7, as above)
// of those means. Deterministic for a given seed; the generator is
// SplitMix64, written here so the result does not depend on the standard
// library's distributions. nullopt for fewer than 2 values (no spread to
// resample) or resamples == 0. Cost is O(n * resamples).
std::optional<Interval> bootstrap_mean_ci(const std::vector<double>& values,
                                          const BootstrapOptions& options = {});

struct Summary {
  std::size_t n = 0;          // values used (NaN excluded)
  std::size_t nan_count = 0;  // NaN values dropped
  std::optional<double> mean{}, sd{}, cv{}, min{}, p50{}, p90{}, p95{}, p99{}, max{};
  std::optional<double> ci95_low{}, ci95_high{};  // CI of the mean (see summarize)
};

// Every statistic above in one pass over one sorted copy of the values. The
// confidence interval of the mean is the percentile bootstrap for up to
// `options.max_values` values and Student's t interval above that.
Summary summarize(const std::vector<double>& values, const BootstrapOptions& options = {});

}  // namespace chimera::stats
