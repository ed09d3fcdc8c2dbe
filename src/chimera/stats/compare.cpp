#include "chimera/stats/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "chimera/stats/distributions.hpp"

namespace chimera::stats {
namespace {

struct Side {
  std::size_t n = 0;
  double mean = 0;
  double var = 0;
};

std::optional<Side> side_of(const std::vector<double>& values) {
  const auto m = stats::mean(values);
  if (!m) return std::nullopt;
  const auto sd = sample_sd(values);
  const auto clean_n = values.size() - count_nan(values);
  return Side{clean_n, *m, sd ? *sd * *sd : 0.0};
}

// Number of ways to get each value of U (0 .. n1*n2) when there are no ties:
// the coefficients of the Gaussian binomial [n1 + n2 choose n1]_q, built as
// prod_{i=1..n1} (1 − q^{n2+i}) / (1 − q^i). After step i the polynomial is
// [n2 + i choose i]_q, so every intermediate value is an integer below
// C(n1 + n2, n1) and exact in a double for n1 + n2 <= 50.
std::vector<double> exact_u_counts(std::size_t n1, std::size_t n2) {
  std::vector<double> poly(n1 * n2 + 1, 0.0);
  poly[0] = 1.0;
  for (std::size_t i = 1; i <= n1; ++i) {
    const std::size_t up = n2 + i;
    for (std::size_t k = poly.size(); k-- > up;) poly[k] -= poly[k - up];  // × (1 − q^up)
    for (std::size_t k = i; k < poly.size(); ++k) poly[k] += poly[k - i];  // ÷ (1 − q^i)
  }
  return poly;
}

}  // namespace

std::optional<WelchResult> welch_t_test(const std::vector<double>& baseline,
                                        const std::vector<double>& candidate) {
  const auto b = side_of(baseline);
  const auto c = side_of(candidate);
  if (!b || !c || b->n < 2 || c->n < 2) return std::nullopt;
  const double vb = b->var / static_cast<double>(b->n);
  const double vc = c->var / static_cast<double>(c->n);
  const double se2 = vb + vc;
  if (!(se2 > 0)) return std::nullopt;
  WelchResult r;
  r.se = std::sqrt(se2);
  r.t = (c->mean - b->mean) / r.se;
  r.df = se2 * se2 /
         (vb * vb / static_cast<double>(b->n - 1) + vc * vc / static_cast<double>(c->n - 1));
  r.p_two_sided = student_t_two_sided_p(r.t, r.df);
  return r;
}

std::optional<MannWhitneyResult> mann_whitney_u(const std::vector<double>& baseline,
                                                const std::vector<double>& candidate) {
  const auto b = without_nan(baseline);
  const auto c = without_nan(candidate);
  if (b.empty() || c.empty()) return std::nullopt;
  const std::size_t n1 = b.size();
  const std::size_t n2 = c.size();
  const std::size_t n = n1 + n2;

  // (value, from baseline?) sorted, then midranks over runs of equal values.
  std::vector<std::pair<double, bool>> all;
  all.reserve(n);
  for (double v : b) all.emplace_back(v, true);
  for (double v : c) all.emplace_back(v, false);
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  double rank_sum_baseline = 0;
  double tie_term = 0;  // Σ (t³ − t) over runs of t tied values
  bool ties = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && all[j].first == all[i].first) ++j;
    const double run = static_cast<double>(j - i);
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].second) rank_sum_baseline += midrank;
    }
    if (j - i > 1) {
      ties = true;
      tie_term += run * run * run - run;
    }
    i = j;
  }
  const double dn1 = static_cast<double>(n1);
  const double dn2 = static_cast<double>(n2);
  MannWhitneyResult r;
  r.u_baseline = rank_sum_baseline - dn1 * (dn1 + 1.0) / 2.0;
  const double u_min = std::min(r.u_baseline, dn1 * dn2 - r.u_baseline);

  if (!ties && n <= 50) {
    const auto counts = exact_u_counts(n1, n2);
    double total = 0;
    double at_or_below = 0;
    const auto limit = static_cast<std::size_t>(std::llround(u_min));
    for (std::size_t u = 0; u < counts.size(); ++u) {
      total += counts[u];
      if (u <= limit) at_or_below += counts[u];
    }
    r.exact = true;
    r.p_two_sided = std::min(1.0, 2.0 * at_or_below / total);
    return r;
  }

  const double dn = static_cast<double>(n);
  const double sigma2 = dn1 * dn2 / 12.0 * ((dn + 1.0) - tie_term / (dn * (dn - 1.0)));
  if (!(sigma2 > 0)) {
    r.p_two_sided = 1.0;
    return r;
  }
  const double distance = std::abs(r.u_baseline - dn1 * dn2 / 2.0);
  const double z = std::max(0.0, distance - 0.5) / std::sqrt(sigma2);
  r.z = z;
  r.p_two_sided = std::min(1.0, normal_two_sided_p(z));
  return r;
}

Comparison compare(const std::vector<double>& baseline, const std::vector<double>& candidate,
                   double confidence) {
  Comparison out;
  out.confidence = confidence;
  const auto b = side_of(baseline);
  const auto c = side_of(candidate);
  out.n_baseline = b ? b->n : 0;
  out.n_candidate = c ? c->n : 0;
  if (b) out.mean_baseline = b->mean;
  if (c) out.mean_candidate = c->mean;
  out.mann_whitney = mann_whitney_u(baseline, candidate);
  if (!b || !c) return out;

  out.difference = c->mean - b->mean;
  if (b->mean != 0) out.relative = *out.difference / b->mean;
  out.welch = welch_t_test(baseline, candidate);
  if (out.welch) {
    const double tq = student_t_quantile((1.0 + confidence) / 2.0, out.welch->df);
    const double half = tq * out.welch->se;
    out.difference_ci = Interval{*out.difference - half, *out.difference + half};
    out.significant = out.difference_ci->low > 0 || out.difference_ci->high < 0;
    if (out.relative) {
      const double mb2 = b->mean * b->mean;
      const double var_rel = c->var / static_cast<double>(c->n) / mb2 +
                             c->mean * c->mean * b->var / static_cast<double>(b->n) / (mb2 * mb2);
      const double rel_half = tq * std::sqrt(var_rel);
      out.relative_ci = Interval{*out.relative - rel_half, *out.relative + rel_half};
    }
  } else if (b->n >= 2 && c->n >= 2) {
    // Both sides without any variation: the difference is exact.
    out.difference_ci = Interval{*out.difference, *out.difference};
    if (out.relative) out.relative_ci = Interval{*out.relative, *out.relative};
    out.significant = *out.difference != 0;
  }
  return out;
}

std::string verdict(const Comparison& cmp, Better better) {
  if (cmp.n_baseline < 2 || cmp.n_candidate < 2) {
    return fmt::format("no verdict: need at least 2 values on each side (have {} and {})",
                       cmp.n_baseline, cmp.n_candidate);
  }
  if (!cmp.significant) return "no detectable difference";
  if (!cmp.relative || !cmp.relative_ci) {
    return fmt::format("different by {:+.4g} (baseline mean is 0, no relative figure)",
                       *cmp.difference);
  }
  const bool improved = better == Better::kHigher ? *cmp.relative > 0 : *cmp.relative < 0;
  const double pct = std::abs(*cmp.relative) * 100.0;
  const double half = (cmp.relative_ci->high - cmp.relative_ci->low) / 2.0 * 100.0;
  return fmt::format("{} by {:.1f}% ± {:.1f}%", improved ? "faster" : "slower", pct, half);
}

}  // namespace chimera::stats
