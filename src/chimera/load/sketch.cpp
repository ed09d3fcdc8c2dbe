#include "chimera/load/sketch.hpp"

#include <algorithm>
#include <cmath>

#include "chimera/stats/distributions.hpp"

namespace chimera::load {

LatencySketch::LatencySketch(std::size_t exact_limit) : exact_limit_(exact_limit) {}

void LatencySketch::add(double value) {
  if (std::isnan(value)) {
    ++nan_count_;
    return;
  }
  value = std::max(value, 0.0);
  ++n_;
  if (n_ == 1) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  const double delta = value - mean_;
  mean_ += delta / static_cast<double>(n_);
  m2_ += delta * (value - mean_);
  if (histogram_) {
    (*histogram_)(value);
    return;
  }
  values_.push_back(value);
  if (values_.size() > exact_limit_) move_to_histogram();
}

void LatencySketch::move_to_histogram() {
  histogram_.emplace(boost::histogram::make_histogram(Axis(kBins, kLowest, kHighest)));
  for (double v : values_) (*histogram_)(v);
  values_.clear();
  values_.shrink_to_fit();
}

std::optional<double> LatencySketch::mean() const {
  if (n_ == 0) return std::nullopt;
  if (exact()) return stats::mean(values_);
  return mean_;
}

std::optional<double> LatencySketch::sd() const {
  if (n_ < 2) return std::nullopt;
  if (exact()) return stats::sample_sd(values_);
  return std::sqrt(m2_ / static_cast<double>(n_ - 1));
}

std::optional<double> LatencySketch::min() const {
  if (n_ == 0) return std::nullopt;
  return min_;
}

std::optional<double> LatencySketch::max() const {
  if (n_ == 0) return std::nullopt;
  return max_;
}

double LatencySketch::value_at_rank(std::size_t rank) const {
  const auto& h = *histogram_;
  const auto& axis = h.axis();
  double seen = 0;
  const double wanted = static_cast<double>(rank) + 1;
  // Index -1 is the underflow bin (below kLowest), size() the overflow bin.
  for (int i = -1; i <= axis.size(); ++i) {
    seen += static_cast<double>(h.at(i));
    if (seen < wanted) continue;
    if (i < 0) return min_;
    if (i == axis.size()) return max_;
    const double mid = std::sqrt(axis.value(i) * axis.value(i + 1));
    return std::clamp(mid, min_, max_);
  }
  return max_;
}

std::optional<double> LatencySketch::percentile(double p) const {
  if (n_ == 0) return std::nullopt;
  if (exact()) return stats::percentile(values_, p);
  p = std::clamp(p, 0.0, 100.0);
  const double h = static_cast<double>(n_ - 1) * p / 100.0;
  const auto low = static_cast<std::size_t>(std::floor(h));
  const double below = value_at_rank(low);
  if (low + 1 >= n_) return below;
  const double above = value_at_rank(low + 1);
  return below + (h - static_cast<double>(low)) * (above - below);
}

stats::Summary LatencySketch::summary(const stats::BootstrapOptions& options) const {
  if (exact()) {
    stats::Summary s = stats::summarize(values_, options);
    s.nan_count = nan_count_;
    return s;
  }
  stats::Summary s;
  s.n = n_;
  s.nan_count = nan_count_;
  s.mean = mean();
  s.sd = sd();
  if (s.sd && *s.mean != 0) s.cv = *s.sd / std::abs(*s.mean);
  s.min = min();
  s.max = max();
  s.p50 = percentile(50);
  s.p90 = percentile(90);
  s.p95 = percentile(95);
  s.p99 = percentile(99);
  if (s.sd && options.resamples > 0) {
    const double t =
        stats::student_t_quantile(0.5 + options.confidence / 2, static_cast<double>(n_ - 1));
    const double half = t * *s.sd / std::sqrt(static_cast<double>(n_));
    s.ci95_low = *s.mean - half;
    s.ci95_high = *s.mean + half;
  }
  return s;
}

}  // namespace chimera::load
