#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "chimera/stats/distributions.hpp"

namespace chimera::stats {
namespace {

TEST(IncompleteBeta, ClosedForms) {
  for (double x : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
    EXPECT_NEAR(regularized_incomplete_beta(1, 1, x), x, 1e-14);                       // uniform
    EXPECT_NEAR(regularized_incomplete_beta(3, 1, x), std::pow(x, 3), 1e-14);          // x^a
    EXPECT_NEAR(regularized_incomplete_beta(1, 4, x), 1 - std::pow(1 - x, 4), 1e-14);  // 1-(1-x)^b
  }
  // Symmetric parameters at the midpoint.
  EXPECT_NEAR(regularized_incomplete_beta(7.3, 7.3, 0.5), 0.5, 1e-14);
  EXPECT_NEAR(regularized_incomplete_beta(200, 200, 0.5), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(regularized_incomplete_beta(-1, 1, 0.5)));
  EXPECT_TRUE(std::isnan(regularized_incomplete_beta(1, 1, 1.5)));
}

TEST(StudentT, CdfMatchesClosedFormsForSmallIntegerDf) {
  for (double t : {-4.0, -1.0, -0.2, 0.0, 0.5, 1.0, 2.5, 10.0}) {
    // df = 1 is the Cauchy distribution.
    EXPECT_NEAR(student_t_cdf(t, 1), 0.5 + std::atan(t) / std::numbers::pi, 1e-13) << t;
    // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    EXPECT_NEAR(student_t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-13) << t;
    // df = 3: F(t) = 1/2 + (θ + sinθ cosθ) / π with θ = atan(t / sqrt 3).
    const double th = std::atan(t / std::sqrt(3.0));
    EXPECT_NEAR(student_t_cdf(t, 3), 0.5 + (th + std::sin(th) * std::cos(th)) / std::numbers::pi,
                1e-13)
        << t;
  }
}

TEST(StudentT, FractionalDfMatchesNumericalIntegration) {
  // Reference: 1 − 2∫₀^1.3 f(x) dx for df = 7.5 by composite Simpson with
  // 200,000 panels of the density Γ((ν+1)/2)/(Γ(ν/2)√(νπ)) (1+x²/ν)^{−(ν+1)/2}
  // (computed in double precision in Python): 0.23212677881560906.
  EXPECT_NEAR(student_t_two_sided_p(1.3, 7.5), 0.23212677881560906, 1e-10);
  EXPECT_NEAR(student_t_two_sided_p(-1.3, 7.5), 0.23212677881560906, 1e-10);
  EXPECT_DOUBLE_EQ(student_t_two_sided_p(0, 7.5), 1.0);
}

TEST(StudentT, QuantilesMatchPublishedTables) {
  // Two-sided 95% critical values from standard t tables.
  EXPECT_NEAR(student_t_quantile(0.975, 5), 2.570581836, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228138852, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042272456, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.995, 1), 63.65674116, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -2.228138852, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.5, 4), 0.0, 1e-12);
  EXPECT_TRUE(std::isnan(student_t_quantile(1.0, 4)));
}

TEST(Normal, KnownValues) {
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-12);
  EXPECT_NEAR(normal_cdf(0), 0.5, 1e-15);
  EXPECT_NEAR(normal_two_sided_p(1.959963984540054), 0.05, 1e-12);
  EXPECT_NEAR(normal_two_sided_p(-1.0), 0.31731050786291415, 1e-12);
}

}  // namespace
}  // namespace chimera::stats
