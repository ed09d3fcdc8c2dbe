#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "chimera/stats/descriptive.hpp"

namespace chimera::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Descriptive, MeanAndSampleSdOfTextbookSample) {
  // {2,4,4,4,5,5,7,9}: mean 5, squared deviations sum to 32, so the sample
  // sd is sqrt(32 / 7) = 2.1380899352993950 (the population sd would be 2).
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(*mean(v), 5.0);
  EXPECT_NEAR(*sample_sd(v), 2.1380899352993950, 1e-15);
  EXPECT_NEAR(*cv(v), 2.1380899352993950 / 5.0, 1e-15);
  EXPECT_EQ(*min(v), 2.0);
  EXPECT_EQ(*max(v), 9.0);
}

TEST(Descriptive, SdSurvivesLargeCommonOffset) {
  // Same spread as {1, 2, 3} (sd 1) on top of 1e9: a naive sum of squares
  // loses every digit here.
  const std::vector<double> v{1e9 + 1, 1e9 + 2, 1e9 + 3};
  EXPECT_NEAR(*sample_sd(v), 1.0, 1e-9);
}

TEST(Descriptive, PercentileIsLinearInterpolationType7) {
  // numpy.percentile([1,2,3,4], q) with the default "linear" method:
  // q=50 -> h = 1.5 -> 2.5; q=90 -> h = 2.7 -> 3.7; q=25 -> h = 0.75 -> 1.75.
  const std::vector<double> v{4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(*percentile(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(*percentile(v, 90), 3.7);
  EXPECT_DOUBLE_EQ(*percentile(v, 25), 1.75);
  EXPECT_DOUBLE_EQ(*percentile(v, 0), 1.0);
  EXPECT_DOUBLE_EQ(*percentile(v, 100), 4.0);
  // {15,20,35,40,50}, p40: h = 4 * 0.4 = 1.6 -> 20 + 0.6 * (35 - 20) = 29.
  EXPECT_DOUBLE_EQ(*percentile({15, 20, 35, 40, 50}, 40), 29.0);
  EXPECT_DOUBLE_EQ(*percentile(v, 150), 4.0);  // clamped
}

TEST(Descriptive, EmptySampleHasNoStatistics) {
  const std::vector<double> none;
  EXPECT_FALSE(mean(none));
  EXPECT_FALSE(sample_sd(none));
  EXPECT_FALSE(cv(none));
  EXPECT_FALSE(min(none));
  EXPECT_FALSE(max(none));
  EXPECT_FALSE(percentile(none, 50));
  const auto s = summarize(none);
  EXPECT_EQ(s.n, 0u);
  EXPECT_FALSE(s.mean);
  EXPECT_FALSE(s.p99);
  EXPECT_FALSE(s.ci95_low);
}

TEST(Descriptive, OneValueHasAMeanButNoSpread) {
  const auto s = summarize({7.5});
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(*s.mean, 7.5);
  EXPECT_DOUBLE_EQ(*s.p50, 7.5);
  EXPECT_DOUBLE_EQ(*s.p99, 7.5);
  EXPECT_FALSE(s.sd);
  EXPECT_FALSE(s.cv);
  EXPECT_FALSE(s.ci95_low);  // nothing to resample
}

TEST(Descriptive, TwoValues) {
  // {1, 3}: sd = sqrt(((1-2)^2 + (3-2)^2) / 1) = sqrt(2); median is the midpoint.
  const auto s = summarize({3, 1});
  EXPECT_NEAR(*s.sd, std::sqrt(2.0), 1e-15);
  EXPECT_DOUBLE_EQ(*s.p50, 2.0);
  EXPECT_DOUBLE_EQ(*s.p90, 2.8);  // h = 0.9
  ASSERT_TRUE(s.ci95_low);
  EXPECT_GE(*s.ci95_low, 1.0);
  EXPECT_LE(*s.ci95_high, 3.0);
}

TEST(Descriptive, AllEqualValues) {
  const auto s = summarize({5, 5, 5, 5});
  EXPECT_DOUBLE_EQ(*s.sd, 0.0);
  EXPECT_DOUBLE_EQ(*s.cv, 0.0);
  EXPECT_DOUBLE_EQ(*s.ci95_low, 5.0);
  EXPECT_DOUBLE_EQ(*s.ci95_high, 5.0);
}

TEST(Descriptive, ZeroMeanHasNoCv) {
  EXPECT_FALSE(cv({-1, 1}));
}

TEST(Descriptive, NaNIsDroppedAndCounted) {
  const std::vector<double> v{1, kNaN, 3, kNaN};
  EXPECT_EQ(count_nan(v), 2u);
  EXPECT_DOUBLE_EQ(*mean(v), 2.0);
  EXPECT_DOUBLE_EQ(*min(v), 1.0);
  EXPECT_DOUBLE_EQ(*percentile(v, 50), 2.0);
  const auto s = summarize(v);
  EXPECT_EQ(s.n, 2u);
  EXPECT_EQ(s.nan_count, 2u);
  EXPECT_DOUBLE_EQ(*s.mean, 2.0);
  EXPECT_FALSE(std::isnan(*s.sd));
  const auto only_nan = summarize({kNaN});
  EXPECT_EQ(only_nan.n, 0u);
  EXPECT_EQ(only_nan.nan_count, 1u);
  EXPECT_FALSE(only_nan.mean);
}

TEST(Bootstrap, IsDeterministicForASeedAndChangesWithIt) {
  std::vector<double> v;
  for (int i = 1; i <= 50; ++i) v.push_back(std::sin(i) * 10 + i);
  const auto a = bootstrap_mean_ci(v);
  const auto b = bootstrap_mean_ci(v);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->low, b->low);
  EXPECT_EQ(a->high, b->high);
  const auto c = bootstrap_mean_ci(v, {.resamples = 2000, .seed = 42});
  EXPECT_NE(a->low, c->low);
  const auto s = summarize(v);
  EXPECT_EQ(*s.ci95_low, a->low);  // summarize uses the same draws
}

TEST(Bootstrap, WidthMatchesTheStandardErrorOfTheMean) {
  // 1..100: mean 50.5, population sd 28.866, so the standard error seen by
  // the bootstrap is 2.8866 and the 95% interval is about ±1.96 * 2.8866 = ±5.66.
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  const auto ci = bootstrap_mean_ci(v, {.resamples = 4000});
  ASSERT_TRUE(ci);
  EXPECT_LT(ci->low, 50.5);
  EXPECT_GT(ci->high, 50.5);
  const double half = (ci->high - ci->low) / 2;
  EXPECT_NEAR(half, 5.66, 0.4);
  EXPECT_NEAR((ci->high + ci->low) / 2, 50.5, 0.5);
}

TEST(Bootstrap, ZeroResamplesDisablesTheInterval) {
  EXPECT_FALSE(bootstrap_mean_ci({1, 2, 3}, {.resamples = 0}));
}

}  // namespace
}  // namespace chimera::stats

namespace chimera::stats {
namespace {

// A skewed sample like latencies: 100 ms plus an exponential tail, fixed.
std::vector<double> latencies(std::size_t n) {
  std::vector<double> v;
  std::uint64_t x = 42;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = (static_cast<double>(x >> 11) + 0.5) / 9007199254740992.0;
    v.push_back(100.0 - 20.0 * std::log(u));
  }
  return v;
}

TEST(SummaryCi, BootstrapUpToMaxValuesStudentTAbove) {
  const auto small = latencies(5000);
  const auto s = summarize(small);
  const auto boot = bootstrap_mean_ci(small);
  ASSERT_TRUE(boot && s.ci95_low && s.ci95_high);
  EXPECT_DOUBLE_EQ(*s.ci95_low, boot->low);
  EXPECT_DOUBLE_EQ(*s.ci95_high, boot->high);

  const auto large = latencies(10000);
  const auto t = summarize(large);
  ASSERT_TRUE(t.ci95_low && t.ci95_high && t.sd);
  const double half = 1.960201 * *t.sd / std::sqrt(10000.0);  // t quantile, 9,999 df
  EXPECT_NEAR(*t.ci95_low, *t.mean - half, 1e-6 * half);
  EXPECT_NEAR(*t.ci95_high, *t.mean + half, 1e-6 * half);
  // The bootstrap it stands in for agrees to within its own resampling noise.
  const auto resampled = bootstrap_mean_ci(large);
  ASSERT_TRUE(resampled);
  EXPECT_NEAR(resampled->low, *t.ci95_low, 0.1 * half);
  EXPECT_NEAR(resampled->high, *t.ci95_high, 0.1 * half);
  // No interval asked for, none given, whatever the size.
  EXPECT_FALSE(summarize(large, BootstrapOptions{.resamples = 0}).ci95_low);
}

}  // namespace
}  // namespace chimera::stats
