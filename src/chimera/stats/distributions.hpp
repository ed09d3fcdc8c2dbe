#pragma once
// The distribution functions the hypothesis tests need, from Boost.Math
// (students_t, normal, ibeta). Arguments outside a function's domain give NaN,
// never an exception, so a degenerate sample cannot abort a comparison.

namespace chimera::stats {

// Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1].
double regularized_incomplete_beta(double a, double b, double x);

// Student's t distribution with `df` > 0 degrees of freedom (df need not be an
// integer: Welch's test gives fractional df).
double student_t_cdf(double t, double df);
// P(|T| >= |t|).
double student_t_two_sided_p(double t, double df);
// The t with student_t_cdf(t, df) == p, p in (0, 1).
double student_t_quantile(double p, double df);

// Standard normal distribution.
double normal_cdf(double z);
// P(|Z| >= |z|), computed from the upper tail so small p values keep their digits.
double normal_two_sided_p(double z);

}  // namespace chimera::stats
