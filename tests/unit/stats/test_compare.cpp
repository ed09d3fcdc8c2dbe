#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "chimera/stats/compare.hpp"
#include "chimera/stats/distributions.hpp"

namespace chimera::stats {
namespace {

TEST(Welch, HandComputedExample) {
  // baseline {1..5}: mean 3, var 2.5; candidate {2,4,..,10}: mean 6, var 10.
  // se² = 2.5/5 + 10/5 = 2.5, t = 3 / sqrt(2.5) = 1.8973665961010275,
  // df = 2.5² / (0.5²/4 + 2²/4) = 6.25 / 1.0625 = 5.882352941176471,
  // p = 0.10753119493063312 (t density integrated numerically, Simpson).
  const auto r = welch_t_test({1, 2, 3, 4, 5}, {2, 4, 6, 8, 10});
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->t, 1.8973665961010275, 1e-12);
  EXPECT_NEAR(r->df, 5.882352941176471, 1e-12);
  EXPECT_NEAR(r->p_two_sided, 0.10753119493063312, 1e-9);
  EXPECT_NEAR(r->se, std::sqrt(2.5), 1e-14);
}

TEST(Welch, PublishedExample) {
  // The worked example in Wikipedia's "Welch's t-test" article (samples A1 and
  // A2 of 15 values each): t = −2.46, ν = 24.9885, p = 0.021 for A1 − A2.
  const std::vector<double> a1{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
                               21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
  const std::vector<double> a2{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
                               24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};
  const auto r = welch_t_test(a2, a1);  // candidate − baseline = A1 − A2
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->t, -2.46, 0.005);
  EXPECT_NEAR(r->df, 24.9885, 0.0001);
  EXPECT_NEAR(r->p_two_sided, 0.021, 0.0005);
}

TEST(Welch, UndefinedCases) {
  EXPECT_FALSE(welch_t_test({1}, {2, 3}));           // n = 1
  EXPECT_FALSE(welch_t_test({}, {2, 3}));            // n = 0
  EXPECT_FALSE(welch_t_test({4, 4, 4}, {5, 5, 5}));  // no variance at all
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(welch_t_test({1, nan}, {2, 3}));  // one value left after dropping NaN
}

TEST(MannWhitney, ExactSmallSamples) {
  // Complete separation, 3 vs 3: only 1 of C(6,3) = 20 orderings gives U = 0,
  // so p = 2 * 1/20 = 0.1 (scipy.stats.mannwhitneyu, method="exact").
  auto r = mann_whitney_u({1, 2, 3}, {4, 5, 6});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->exact);
  EXPECT_DOUBLE_EQ(r->u_baseline, 0);
  EXPECT_NEAR(r->p_two_sided, 0.1, 1e-15);
  // Reversed: U_b = 9, same p.
  r = mann_whitney_u({4, 5, 6}, {1, 2, 3});
  EXPECT_DOUBLE_EQ(r->u_baseline, 9);
  EXPECT_NEAR(r->p_two_sided, 0.1, 1e-15);
  // 5 vs 5 separated: p = 2 / C(10,5) = 2 / 252.
  r = mann_whitney_u({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  EXPECT_NEAR(r->p_two_sided, 2.0 / 252.0, 1e-15);
  // Interleaved {1,3,5} vs {2,4,6}: U_b = 3 (3>2, 5>2, 5>4). The counts of
  // U = 0..9 over the 20 orderings are 1,1,2,3,3,3,3,2,1,1, so
  // P(U <= 3) = 7/20 and p = 0.7.
  r = mann_whitney_u({1, 3, 5}, {2, 4, 6});
  EXPECT_DOUBLE_EQ(r->u_baseline, 3);
  EXPECT_NEAR(r->p_two_sided, 0.7, 1e-15);
}

TEST(MannWhitney, TiesUseMidranksAndTieCorrectedNormalApproximation) {
  // Pooled sorted (b = baseline, c = candidate): 1b 2b 2b 2c 3b 3c 4c 4c.
  // Midranks: 1 → 1, 2 → 3 (ranks 2..4), 3 → 5.5, 4 → 7.5.
  // R_b = 1 + 3 + 3 + 5.5 = 12.5, U_b = 12.5 − 4·5/2 = 2.5.
  // Tie runs of 3, 2 and 2: Σ(t³ − t) = 24 + 6 + 6 = 36.
  // σ² = 4·4/12 · (9 − 36/(8·7)) = 11.142857142857142,
  // z = (|2.5 − 8| − 0.5) / σ = 1.4978617237881953, p = erfc(z/√2) = 0.13416918012812581.
  const auto r = mann_whitney_u({1, 2, 2, 3}, {2, 3, 4, 4});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->exact);
  EXPECT_DOUBLE_EQ(r->u_baseline, 2.5);
  EXPECT_NEAR(*r->z, 1.4978617237881953, 1e-12);
  EXPECT_NEAR(r->p_two_sided, 0.13416918012812581, 1e-12);
}

TEST(MannWhitney, LargeSamplesWithoutTiesUseTheNormalApproximation) {
  // Evens 0..58 vs odds 1..59 (30 each, n = 60 > 50): U_b = Σ_{k=0}^{29} k =
  // 435, mean 450, σ² = 900/12 * 61 = 4575, z = 14.5 / sqrt(4575) =
  // 0.21437416857682612, p = erfc(z/√2) = 0.8302552839111963.
  std::vector<double> evens, odds;
  for (int k = 0; k < 30; ++k) {
    evens.push_back(2 * k);
    odds.push_back(2 * k + 1);
  }
  const auto r = mann_whitney_u(evens, odds);
  EXPECT_FALSE(r->exact);
  EXPECT_DOUBLE_EQ(r->u_baseline, 435);
  EXPECT_NEAR(r->p_two_sided, 0.8302552839111963, 1e-12);
}

TEST(MannWhitney, AllTiedAndEmpty) {
  const auto r = mann_whitney_u({3, 3, 3}, {3, 3});
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->p_two_sided, 1.0);
  EXPECT_FALSE(mann_whitney_u({}, {1}));
}

TEST(Compare, DifferenceAndRelativeWithWelchIntervals) {
  const auto c = compare({1, 2, 3, 4, 5}, {2, 4, 6, 8, 10});
  ASSERT_TRUE(c.difference_ci);
  EXPECT_DOUBLE_EQ(*c.difference, 3.0);
  const double tq = student_t_quantile(0.975, 5.882352941176471);
  // Between the table values for 6 and 5 degrees of freedom.
  EXPECT_GT(tq, 2.446911851);
  EXPECT_LT(tq, 2.570581836);
  EXPECT_NEAR(c.difference_ci->low, 3.0 - tq * std::sqrt(2.5), 1e-9);
  EXPECT_NEAR(c.difference_ci->high, 3.0 + tq * std::sqrt(2.5), 1e-9);
  // relative = 3/3 = 1; var = 10/5/9 + 36 * 2.5/5/81 = 4/9, sd = 2/3.
  EXPECT_DOUBLE_EQ(*c.relative, 1.0);
  EXPECT_NEAR(c.relative_ci->high - 1.0, tq * 2.0 / 3.0, 1e-9);
  EXPECT_FALSE(c.significant);  // p = 0.1075
  EXPECT_EQ(verdict(c, Better::kHigher), "no detectable difference");
}

TEST(Compare, VerdictStatesDirectionAndUncertainty) {
  // Both sides var 0.5, n 5: se² = 0.2, df = 8, t_{0.975,8} = 2.306004135.
  // relative = 4/100; var = 0.1/100² + 104² * 0.1/100⁴ = 2.0816e-5,
  // half width = 2.306 * 0.0045625 = 0.01052 → "4.0% ± 1.1%".
  const std::vector<double> base{100, 101, 99, 100, 100};
  const std::vector<double> cand{104, 105, 103, 104, 104};
  const auto c = compare(base, cand);
  EXPECT_TRUE(c.significant);
  EXPECT_NEAR(c.welch->df, 8.0, 1e-12);
  EXPECT_EQ(verdict(c, Better::kHigher), "faster by 4.0% ± 1.1%");  // tokens/s went up
  EXPECT_EQ(verdict(c, Better::kLower), "slower by 4.0% ± 1.1%");   // latency went up
}

TEST(Compare, EdgeCases) {
  EXPECT_EQ(verdict(compare({1}, {2, 3}), Better::kLower),
            "no verdict: need at least 2 values on each side (have 1 and 2)");
  const auto constant = compare({5, 5}, {6, 6});
  EXPECT_TRUE(constant.significant);
  EXPECT_FALSE(constant.welch);
  EXPECT_EQ(verdict(constant, Better::kHigher), "faster by 20.0% ± 0.0%");
  const auto same = compare({5, 5}, {5, 5});
  EXPECT_FALSE(same.significant);
  const auto zero_base = compare({-1, 1, -1, 1, -1, 1}, {4, 6, 4, 6, 4, 6});
  EXPECT_FALSE(zero_base.relative);
  EXPECT_TRUE(zero_base.significant);
  EXPECT_NE(verdict(zero_base, Better::kHigher).find("baseline mean is 0"), std::string::npos);
}

}  // namespace
}  // namespace chimera::stats
