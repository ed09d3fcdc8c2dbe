#include "chimera/stats/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chimera::stats {
namespace {

constexpr double kTiny = 1e-300;  // keeps Lentz's denominators away from zero
constexpr double kEpsilon = 1e-15;
constexpr int kMaxIterations = 10000;

double guard(double v) {
  return std::abs(v) < kTiny ? kTiny : v;
}

// Continued fraction for I_x(a, b), converging for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 / guard(1.0 - qab * x / qap);
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double md = m;
    const double m2 = 2.0 * md;
    // Even step d_{2m}.
    double aa = md * (b - md) * x / ((qam + m2) * (a + m2));
    d = 1.0 / guard(1.0 + aa * d);
    c = guard(1.0 + aa / c);
    h *= d * c;
    // Odd step d_{2m+1}.
    aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2));
    d = 1.0 / guard(1.0 + aa * d);
    c = guard(1.0 + aa / c);
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

}  // namespace

double regularized_incomplete_beta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return 0.0;
  if (x == 1) return 1.0;
  // x^a (1-x)^b / B(a, b), in logs to survive large a and b.
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return 0.0;
  // Both forms are the same probability; each is used where its argument is
  // not rounded to 1 (for |t| near 0, df / (df + t²) is 1.0 in doubles).
  const double t2 = t * t;
  if (t2 < df) return 1.0 - regularized_incomplete_beta(0.5, df / 2.0, t2 / (df + t2));
  return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t2));
}

double student_t_cdf(double t, double df) {
  const double tail = student_t_two_sided_p(t, df) / 2.0;
  return t >= 0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  double lo = -1.0;
  double hi = 1.0;
  while (student_t_cdf(lo, df) > p) lo *= 2.0;
  while (student_t_cdf(hi, df) < p) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, std::abs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (student_t_cdf(mid, df) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double normal_two_sided_p(double z) {
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

}  // namespace chimera::stats
