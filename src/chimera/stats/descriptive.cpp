#include "chimera/stats/descriptive.hpp"

#include <algorithm>
#include <cmath>

#include "chimera/stats/distributions.hpp"

namespace chimera::stats {
namespace {

bool is_nan(double v) {
  return std::isnan(v);
}

__extension__ typedef unsigned __int128
    Uint128;  // GCC and Clang; -Wpedantic knows it as an extension

// Two passes (mean first, then squared deviations from it): no catastrophic
// cancellation for values with a large common offset, and the mean is the
// plain sum / n, so a symmetric sample has a mean of exactly 0.
struct Moments {
  std::size_t n = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared deviations from the mean
  std::optional<double> sd() const {
    if (n < 2) return std::nullopt;
    return std::sqrt(m2 / static_cast<double>(n - 1));
  }
};

Moments moments_of(const std::vector<double>& values) {
  Moments m;
  double sum = 0;
  for (double v : values) {
    if (is_nan(v)) continue;
    ++m.n;
    sum += v;
  }
  if (m.n == 0) return m;
  m.mean = sum / static_cast<double>(m.n);
  for (double v : values) {
    if (!is_nan(v)) m.m2 += (v - m.mean) * (v - m.mean);
  }
  return m;
}

std::optional<double> cv_of(const Moments& m) {
  const auto sd = m.sd();
  if (!sd || m.mean == 0) return std::nullopt;
  return *sd / std::abs(m.mean);
}

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // An index in [0, n): Lemire's multiply-shift. The bias is below n / 2^64,
  // far under anything a sample of measurements could show.
  std::size_t index_below(std::size_t n) {
    return static_cast<std::size_t>((static_cast<Uint128>(next()) * n) >> 64);
  }

 private:
  std::uint64_t state_;
};

std::optional<Interval> bootstrap_of_clean(const std::vector<double>& clean,
                                           const BootstrapOptions& options) {
  const std::size_t n = clean.size();
  if (n < 2 || options.resamples == 0) return std::nullopt;
  SplitMix64 rng(options.seed);
  std::vector<double> means;
  means.reserve(options.resamples);
  for (std::size_t r = 0; r < options.resamples; ++r) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += clean[rng.index_below(n)];
    means.push_back(sum / static_cast<double>(n));
  }
  std::sort(means.begin(), means.end());
  const double tail = (1.0 - options.confidence) / 2.0 * 100.0;
  return Interval{*percentile_of_sorted(means, tail), *percentile_of_sorted(means, 100.0 - tail)};
}

}  // namespace

std::vector<double> without_nan(const std::vector<double>& values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) {
    if (!is_nan(v)) out.push_back(v);
  }
  return out;
}

std::size_t count_nan(const std::vector<double>& values) {
  return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), is_nan));
}

std::optional<double> mean(const std::vector<double>& values) {
  const auto m = moments_of(values);
  if (m.n == 0) return std::nullopt;
  return m.mean;
}

std::optional<double> sample_sd(const std::vector<double>& values) {
  return moments_of(values).sd();
}

std::optional<double> cv(const std::vector<double>& values) {
  return cv_of(moments_of(values));
}

std::optional<double> min(const std::vector<double>& values) {
  std::optional<double> out;
  for (double v : values) {
    if (!is_nan(v) && (!out || v < *out)) out = v;
  }
  return out;
}

std::optional<double> max(const std::vector<double>& values) {
  std::optional<double> out;
  for (double v : values) {
    if (!is_nan(v) && (!out || v > *out)) out = v;
  }
  return out;
}

std::optional<double> percentile_of_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::nullopt;
  p = std::clamp(p, 0.0, 100.0);
  const double h = static_cast<double>(sorted.size() - 1) * p / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  const double frac = h - static_cast<double>(lo);
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

std::optional<double> percentile(const std::vector<double>& values, double p) {
  auto sorted = without_nan(values);
  std::sort(sorted.begin(), sorted.end());
  return percentile_of_sorted(sorted, p);
}

std::optional<Interval> bootstrap_mean_ci(const std::vector<double>& values,
                                          const BootstrapOptions& options) {
  return bootstrap_of_clean(without_nan(values), options);
}

Summary summarize(const std::vector<double>& values, const BootstrapOptions& options) {
  Summary s;
  auto sorted = without_nan(values);
  s.nan_count = values.size() - sorted.size();
  s.n = sorted.size();
  if (sorted.empty()) return s;
  // The bootstrap draws from the unsorted order so that a given seed gives
  // the same interval as bootstrap_mean_ci() on the same input.
  const bool resample = s.n <= options.max_values;
  const auto ci = bootstrap_of_clean(sorted, resample ? options : BootstrapOptions{.resamples = 0});
  std::sort(sorted.begin(), sorted.end());
  const auto m = moments_of(sorted);
  s.mean = m.mean;
  s.sd = m.sd();
  s.cv = cv_of(m);
  s.min = sorted.front();
  s.max = sorted.back();
  s.p50 = percentile_of_sorted(sorted, 50);
  s.p90 = percentile_of_sorted(sorted, 90);
  s.p95 = percentile_of_sorted(sorted, 95);
  s.p99 = percentile_of_sorted(sorted, 99);
  if (!resample && options.resamples > 0 && s.sd) {
    const double t = student_t_quantile(0.5 + options.confidence / 2, static_cast<double>(s.n - 1));
    const double half = t * *s.sd / std::sqrt(static_cast<double>(s.n));
    s.ci95_low = *s.mean - half;
    s.ci95_high = *s.mean + half;
  }
  if (ci) {
    s.ci95_low = ci->low;
    s.ci95_high = ci->high;
  }
  return s;
}

}  // namespace chimera::stats
