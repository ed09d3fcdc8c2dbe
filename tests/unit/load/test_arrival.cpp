#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <cmath>
#include <functional>
#include <vector>

#include "chimera/load/arrival.hpp"

namespace chimera::load {
namespace {

OpenLoopSpec spec_of(ArrivalKind kind, double rate, std::int64_t requests, double burstiness = 1) {
  OpenLoopSpec s;
  s.arrival = kind;
  s.rate = rate;
  s.requests = requests;
  s.burstiness = burstiness;
  s.seed = 20261201;
  return s;
}

std::vector<double> times_of(const OpenLoopSpec& spec) {
  EXPECT_TRUE(validate(spec).has_value());
  ArrivalSchedule schedule(spec);
  std::vector<double> times;
  while (auto t = schedule.next()) times.push_back(*t);
  return times;
}

std::vector<double> gaps_of(const std::vector<double>& times) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
  return gaps;
}

// The one-sample Kolmogorov–Smirnov test: D = sup |F_n − F|, and its p-value
// from the asymptotic Kolmogorov distribution with Stephens' small-sample
// correction (λ = (√n + 0.12 + 0.11/√n) D, p = 2 Σ (−1)^(k−1) e^(−2k²λ²)).
double ks_p_value(std::vector<double> sample, const std::function<double(double)>& cdf) {
  std::sort(sample.begin(), sample.end());
  const double n = static_cast<double>(sample.size());
  double d = 0;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const double f = cdf(sample[i]);
    d = std::max({d, (static_cast<double>(i) + 1) / n - f, f - static_cast<double>(i) / n});
  }
  const double lambda = (std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n)) * d;
  double p = 0;
  for (int k = 1; k <= 100; ++k) {
    p += 2 * ((k % 2 == 1) ? 1 : -1) * std::exp(-2.0 * k * k * lambda * lambda);
  }
  return std::clamp(p, 0.0, 1.0);
}

TEST(ArrivalSchedule, ConstantGapsAreExactlyOneOverRate) {
  const auto times = times_of(spec_of(ArrivalKind::kConstant, 40, 200));
  ASSERT_EQ(times.size(), 200u);
  EXPECT_EQ(times.front(), 0.0);
  for (double gap : gaps_of(times)) EXPECT_NEAR(gap, 1.0 / 40, 1e-12);
}

TEST(ArrivalSchedule, PoissonGapsFitTheExponentialDistribution) {
  const double rate = 200;
  const auto gaps = gaps_of(times_of(spec_of(ArrivalKind::kPoisson, rate, 5001)));
  boost::math::exponential_distribution<double> exponential(rate);
  const double p = ks_p_value(gaps, [&](double x) { return boost::math::cdf(exponential, x); });
  EXPECT_GT(p, 0.01) << "KS test rejects Exp(" << rate << ")";
  double mean = 0;
  for (double g : gaps) mean += g;
  mean /= static_cast<double>(gaps.size());
  EXPECT_NEAR(mean, 1 / rate, 0.05 / rate);  // 5000 gaps: sd of the mean is 1.4%
}

TEST(ArrivalSchedule, KolmogorovSmirnovRejectsConstantAndBurstyGapsAsPoisson) {
  // The test above can fail: the same check on gaps that are not exponential.
  const double rate = 200;
  boost::math::exponential_distribution<double> exponential(rate);
  auto cdf = [&](double x) { return boost::math::cdf(exponential, x); };
  EXPECT_LT(ks_p_value(gaps_of(times_of(spec_of(ArrivalKind::kConstant, rate, 2001))), cdf), 1e-6);
  EXPECT_LT(ks_p_value(gaps_of(times_of(spec_of(ArrivalKind::kGamma, rate, 2001, 0.25))), cdf),
            1e-6);
}

TEST(ArrivalSchedule, GammaBurstinessSetsTheShapeAndKeepsTheMeanRate) {
  const double rate = 50;
  for (double k : {0.25, 1.0, 4.0}) {
    const auto gaps = gaps_of(times_of(spec_of(ArrivalKind::kGamma, rate, 4001, k)));
    boost::math::gamma_distribution<double> gamma(k, 1 / (k * rate));
    const double p = ks_p_value(gaps, [&](double x) { return boost::math::cdf(gamma, x); });
    EXPECT_GT(p, 0.01) << "shape " << k;
    double mean = 0, m2 = 0;
    for (double g : gaps) mean += g;
    mean /= static_cast<double>(gaps.size());
    for (double g : gaps) m2 += (g - mean) * (g - mean);
    const double cv = std::sqrt(m2 / static_cast<double>(gaps.size() - 1)) / mean;
    EXPECT_NEAR(mean * rate, 1.0, 0.08) << "shape " << k;
    EXPECT_NEAR(cv, 1 / std::sqrt(k), 0.1 / std::sqrt(k)) << "shape " << k;
  }
}

TEST(ArrivalSchedule, SameSeedSameScheduleOtherSeedOther) {
  auto spec = spec_of(ArrivalKind::kPoisson, 10, 50);
  const auto a = times_of(spec);
  EXPECT_EQ(times_of(spec), a);
  spec.seed += 1;
  EXPECT_NE(times_of(spec), a);
}

TEST(ArrivalSchedule, RampUpGrowsTheRateLinearly) {
  // Constant arrivals under a 10 s ramp to 20/s: request k (k < R·S/2 = 100)
  // is due when R·t²/2S reaches k, at t = sqrt(2·S·k/R) = sqrt(k).
  auto spec = spec_of(ArrivalKind::kConstant, 20, 300);
  spec.ramp_up_s = 10;
  const auto times = times_of(spec);
  for (int k = 0; k < 100; ++k) EXPECT_NEAR(times[static_cast<std::size_t>(k)], std::sqrt(k), 1e-9);
  // After the ramp: full rate, the 100th request exactly at its end.
  EXPECT_NEAR(times[100], 10.0, 1e-9);
  for (std::size_t i = 101; i < times.size(); ++i) EXPECT_NEAR(times[i] - times[i - 1], 0.05, 1e-9);
}

TEST(ArrivalSchedule, PoissonUnderRampIsAPoissonProcessInOperationalTime) {
  auto spec = spec_of(ArrivalKind::kPoisson, 100, 3001);
  spec.ramp_up_s = 5;
  const auto times = times_of(spec);
  // Λ(t) maps the schedule back to a unit-rate Poisson process.
  auto lambda = [&](double t) {
    return t < 5 ? 100 * t * t / (2 * 5) : 100 * 5 / 2.0 + 100 * (t - 5);
  };
  std::vector<double> unit_gaps;
  for (std::size_t i = 1; i < times.size(); ++i)
    unit_gaps.push_back(lambda(times[i]) - lambda(times[i - 1]));
  const double p = ks_p_value(unit_gaps, [](double x) { return 1 - std::exp(-x); });
  EXPECT_GT(p, 0.01);
  // Fewer requests in the ramp's first half than in its second.
  const auto first = std::count_if(times.begin(), times.end(), [](double t) { return t < 2.5; });
  const auto second =
      std::count_if(times.begin(), times.end(), [](double t) { return t >= 2.5 && t < 5; });
  EXPECT_LT(first * 2, second);
}

TEST(ArrivalSchedule, StopsAtDurationOrRequestCount) {
  auto spec = spec_of(ArrivalKind::kConstant, 10, 1000);
  spec.duration_s = 1.0;
  EXPECT_EQ(times_of(spec).size(), 10u);  // due at 0, 0.1, ..., 0.9
  spec.requests = 4;
  EXPECT_EQ(times_of(spec).size(), 4u);
}

TEST(ArrivalSchedule, ValidateNamesTheFlag) {
  auto spec = spec_of(ArrivalKind::kPoisson, 10, 10);
  spec.rate = 0;
  EXPECT_NE(validate(spec).error().message.find("--rate"), std::string::npos);
  spec = spec_of(ArrivalKind::kGamma, 10, 10, -1);
  EXPECT_NE(validate(spec).error().message.find("--burstiness"), std::string::npos);
  spec = spec_of(ArrivalKind::kPoisson, 10, 10, 3);
  EXPECT_NE(validate(spec).error().message.find("gamma only"), std::string::npos);
  spec = spec_of(ArrivalKind::kPoisson, 10, 10);
  spec.requests.reset();
  EXPECT_NE(validate(spec).error().message.find("--duration"), std::string::npos);
  spec = spec_of(ArrivalKind::kPoisson, 10, 10);
  spec.ramp_up_s = -1;
  EXPECT_NE(validate(spec).error().message.find("--ramp-up"), std::string::npos);
  EXPECT_EQ(parse_arrival_kind("gamma").value(), ArrivalKind::kGamma);
  EXPECT_NE(parse_arrival_kind("uniform").error().message.find("constant, poisson or gamma"),
            std::string::npos);
}

TEST(ArrivalSchedule, ARateWhoseNextArrivalLiesBeyondTheRunIsRefused) {
  // 1e-9/s: one request every 1e9 s, past the 1-hour limit.
  const auto tiny = validate_rate(1e-9, std::nullopt);
  ASSERT_FALSE(tiny);
  EXPECT_NE(tiny.error().message.find("1-hour limit"), std::string::npos) << tiny.error().message;
  EXPECT_TRUE(validate_rate(1.0 / 3599, std::nullopt));
  EXPECT_FALSE(validate_rate(1.0 / 3601, std::nullopt));
  // 0.05/s: one every 20 s, past a 10 s --duration; 0.1/s is exactly within it.
  const auto past = validate_rate(0.05, 10.0);
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("--duration 10 s"), std::string::npos)
      << past.error().message;
  EXPECT_NE(past.error().message.find("at least 0.1 requests/s"), std::string::npos);
  EXPECT_TRUE(validate_rate(0.1, 10.0));
  EXPECT_FALSE(validate_rate(std::nan(""), std::nullopt));
}

TEST(OpenLoopPacer, SendsWhatIsDueThenSaysWhenToWake) {
  OpenLoopPacer pacer(spec_of(ArrivalKind::kConstant, 10, 5));
  auto step = pacer.poll(0.0, 0);
  ASSERT_EQ(step.kind, OpenLoopPacer::Step::kSend);
  EXPECT_EQ(step.index, 0);
  step = pacer.poll(0.0, 1);
  ASSERT_EQ(step.kind, OpenLoopPacer::Step::kWait);
  EXPECT_NEAR(step.wake_at, 0.1, 1e-12);
  // Woken late: the due requests go out in one burst, each with its own time.
  for (int i = 1; i <= 3; ++i) {
    step = pacer.poll(0.35, i);
    ASSERT_EQ(step.kind, OpenLoopPacer::Step::kSend);
    EXPECT_EQ(step.index, i);
    EXPECT_NEAR(step.scheduled_s, 0.1 * i, 1e-12);
  }
  EXPECT_EQ(pacer.poll(0.35, 4).kind, OpenLoopPacer::Step::kWait);
  EXPECT_EQ(pacer.poll(0.4, 4).kind, OpenLoopPacer::Step::kSend);
  EXPECT_EQ(pacer.poll(10, 0).kind, OpenLoopPacer::Step::kDone);
  EXPECT_TRUE(pacer.done());
}

TEST(OpenLoopPacer, MaxConcurrencyHoldsDueRequestsUntilASlotFrees) {
  auto spec = spec_of(ArrivalKind::kConstant, 100, 3);
  spec.max_concurrency = 1;
  OpenLoopPacer pacer(spec);
  ASSERT_EQ(pacer.poll(0, 0).kind, OpenLoopPacer::Step::kSend);
  auto step = pacer.poll(0.02, 1);
  EXPECT_EQ(step.kind, OpenLoopPacer::Step::kWait);
  EXPECT_TRUE(std::isinf(step.wake_at));
  step = pacer.poll(0.03, 0);
  ASSERT_EQ(step.kind, OpenLoopPacer::Step::kSend);
  EXPECT_TRUE(step.held_by_cap);
  EXPECT_NEAR(step.scheduled_s, 0.01, 1e-12);
  step = pacer.poll(0.03, 0);
  ASSERT_EQ(step.kind, OpenLoopPacer::Step::kSend);
  EXPECT_FALSE(step.held_by_cap);
}

TEST(ScheduleAccumulator, LatenessPercentilesAndRates) {
  ScheduleAccumulator acc(10);
  // 11 requests due every 0.1 s, sent 0, 0.1, ..., 1.0 ms late.
  for (int i = 0; i <= 10; ++i) acc.add(0.1 * i, 0.1 * i + i * 1e-4);
  const auto s = acc.finish();
  EXPECT_EQ(s.requests, 11);
  EXPECT_NEAR(s.scheduled_rate, 10, 1e-9);
  EXPECT_NEAR(s.achieved_rate, 10 / (1.0 + 1e-3), 1e-9);
  EXPECT_NEAR(*s.lateness_ms.p50, 0.5, 1e-9);
  EXPECT_NEAR(*s.lateness_ms.p99, 0.99, 1e-9);
  EXPECT_NEAR(*s.lateness_ms.max, 1.0, 1e-9);
  EXPECT_TRUE(s.warnings.empty());  // 99.9% of the rate, p99 under 1 ms
  const auto j = to_json(s);
  EXPECT_NEAR(j["lateness_ms"]["p99"].get<double>(), 0.99, 1e-9);
  EXPECT_EQ(j["target_rate"].get<double>(), 10);
}

TEST(ScheduleAccumulator, WarnsWithAdviceWhenTheClientFallsBehind) {
  ScheduleAccumulator late(100);
  for (int i = 0; i < 100; ++i) late.add(0.01 * i, 0.01 * i + 0.005);  // 5 ms late, on rate
  auto s = late.finish();
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("the client could not keep up"), std::string::npos);
  EXPECT_NE(s.warnings[0].find("lower --rate"), std::string::npos);

  ScheduleAccumulator slow(100);
  for (int i = 0; i < 100; ++i) slow.add(0.01 * i, 0.0105 * i, i > 0);  // held: 95% of the rate
  s = slow.finish();
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("--max-concurrency"), std::string::npos);
  EXPECT_EQ(s.held_by_cap, 99);
}

}  // namespace
}  // namespace chimera::load
