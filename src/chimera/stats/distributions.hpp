#pragma once
// The distribution functions the hypothesis tests need, written out so their
// accuracy is ours to test (no statistics library on Debian covers them with
// a C++ interface we would want to depend on).

namespace chimera::stats {

// Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1],
// by the continued fraction of Numerical Recipes §6.4 evaluated with the
// modified Lentz method; the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) keeps x on
// the side where the fraction converges fast. Relative accuracy about 1e-14;
// NaN for arguments outside the domain.
double regularized_incomplete_beta(double a, double b, double x);

// Student's t distribution with `df` > 0 degrees of freedom (df need not be an
// integer: Welch's test gives fractional df).
double student_t_cdf(double t, double df);
// P(|T| >= |t|).
double student_t_two_sided_p(double t, double df);
// The t with student_t_cdf(t, df) == p, p in (0, 1), by bisection to machine
// precision (a bracket found by doubling, then halved until it is ~1e-15 wide).
double student_t_quantile(double p, double df);

// Standard normal distribution.
double normal_cdf(double z);
// P(|Z| >= |z|).
double normal_two_sided_p(double z);

}  // namespace chimera::stats
