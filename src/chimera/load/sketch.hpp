#pragma once
// Percentiles of a stream of positive values (latencies in ms) in bounded
// memory, exact while the stream is small.
//
// Up to `exact_limit` values the sketch keeps them all and every statistic is
// the exact one of stats/descriptive (percentiles are Hyndman–Fan type 7).
// Past that it moves the values into a fixed-bin logarithmic histogram
// (Boost.Histogram, a regular axis with a log transform: kBins bins from
// kLowest to kHighest ms) and drops the vector. Each bin spans a ratio
// r = (kHighest / kLowest)^(1 / kBins); a value is reported as its bin's
// geometric midpoint, so it is within a factor sqrt(r) of the truth: a
// relative error below kRelativeError (0.5%). Type-7 interpolation between two
// such estimates keeps that bound. Values below kLowest (1 µs) share one bin
// and are reported as the smallest value seen; values above kHighest as the
// largest. count, mean, sd, min and max stay exact (Welford's recurrence).
// Memory: at most exact_limit doubles, then a few tens of kilobytes.

#include <boost/histogram/axis/regular.hpp>
#include <boost/histogram/histogram.hpp>
#include <boost/histogram/make_histogram.hpp>
#include <boost/histogram/unlimited_storage.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "chimera/stats/descriptive.hpp"

namespace chimera::load {

class LatencySketch {
 public:
  static constexpr double kLowest = 1e-3;  // ms
  static constexpr double kHighest = 1e8;  // ms, about 28 hours
  static constexpr unsigned kBins = 2600;  // ratio r = 1.00978 per bin
  static constexpr double kRelativeError = 0.005;
  static constexpr std::size_t kDefaultExactLimit = 20'000;

  explicit LatencySketch(std::size_t exact_limit = kDefaultExactLimit);

  // NaN is counted and dropped; negative values count as 0.
  void add(double value);

  std::size_t count() const { return n_; }
  std::size_t nan_count() const { return nan_count_; }
  // True while every value is still kept (the statistics are exact).
  bool exact() const { return !histogram_; }

  std::optional<double> mean() const;
  std::optional<double> sd() const;
  std::optional<double> min() const;
  std::optional<double> max() const;
  // Type 7; within kRelativeError of it once the sketch is no longer exact.
  std::optional<double> percentile(double p) const;

  // Every statistic of stats::summarize. While exact, the very same values
  // (bootstrap CI included); once streamed, the CI of the mean is the
  // normal-theory mean ± t(0.975, n−1)·sd/√n, the bootstrap needing the values.
  stats::Summary summary(const stats::BootstrapOptions& options = {}) const;

 private:
  using Axis = boost::histogram::axis::regular<double, boost::histogram::axis::transform::log>;
  using Histogram = decltype(boost::histogram::make_histogram(std::declval<Axis>()));

  void move_to_histogram();
  double value_at_rank(std::size_t rank) const;  // 0-based order statistic, histogram mode

  std::size_t exact_limit_;
  std::size_t n_ = 0;
  std::size_t nan_count_ = 0;
  double mean_ = 0, m2_ = 0, min_ = 0, max_ = 0;
  std::vector<double> values_;
  std::optional<Histogram> histogram_;
};

}  // namespace chimera::load
