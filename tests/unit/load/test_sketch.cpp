#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "chimera/load/sketch.hpp"

namespace chimera::load {
namespace {

TEST(LatencySketch, ExactWhileSmallMatchesStatsSummarize) {
  LatencySketch sketch(100);
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) {
    values.push_back(i * 1.5);
    sketch.add(i * 1.5);
  }
  ASSERT_TRUE(sketch.exact());
  const auto a = sketch.summary();
  const auto b = stats::summarize(values);
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(*a.p50, *b.p50);
  EXPECT_EQ(*a.p99, *b.p99);
  EXPECT_EQ(*a.ci95_low, *b.ci95_low);
  EXPECT_EQ(*sketch.percentile(90), *stats::percentile(values, 90));
}

TEST(LatencySketch, StreamedPercentilesStayWithinTheRelativeErrorOfType7) {
  // Log-normal latencies over five decades, 200,000 of them.
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> lognormal(std::log(50.0), 1.5);
  LatencySketch sketch(1000);
  std::vector<double> values;
  for (int i = 0; i < 200'000; ++i) {
    const double v = lognormal(rng);
    values.push_back(v);
    sketch.add(v);
  }
  ASSERT_FALSE(sketch.exact());
  for (double p : {0.0, 1.0, 10.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
    const double truth = *stats::percentile(values, p);
    const double got = *sketch.percentile(p);
    EXPECT_LE(std::abs(got - truth) / truth, LatencySketch::kRelativeError) << "p" << p;
  }
  // Moments stay exact (up to rounding).
  EXPECT_NEAR(*sketch.mean(), *stats::mean(values), 1e-9 * *stats::mean(values));
  EXPECT_NEAR(*sketch.sd(), *stats::sample_sd(values), 1e-7 * *stats::sample_sd(values));
  EXPECT_EQ(*sketch.min(), *stats::min(values));
  EXPECT_EQ(*sketch.max(), *stats::max(values));
  const auto s = sketch.summary();
  ASSERT_TRUE(s.ci95_low && s.ci95_high);
  EXPECT_LT(*s.ci95_low, *s.mean);
  EXPECT_GT(*s.ci95_high, *s.mean);
}

TEST(LatencySketch, TinyAndHugeValuesAndNaN) {
  LatencySketch sketch(2);
  for (double v : {0.0, 1e-6, -3.0, 2e9, 5.0}) sketch.add(v);
  sketch.add(std::nan(""));
  ASSERT_FALSE(sketch.exact());
  EXPECT_EQ(sketch.count(), 5u);
  EXPECT_EQ(sketch.nan_count(), 1u);
  EXPECT_EQ(*sketch.percentile(0), 0.0);    // negatives count as 0
  EXPECT_EQ(*sketch.percentile(100), 2e9);  // above the range: the largest value
  EXPECT_NEAR(*sketch.percentile(75), 5.0, 5.0 * LatencySketch::kRelativeError);
  LatencySketch none;
  EXPECT_FALSE(none.percentile(50));
  EXPECT_FALSE(none.mean());
}

}  // namespace
}  // namespace chimera::load
