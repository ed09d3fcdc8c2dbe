#include "chimera/load/arrival.hpp"

#include <fmt/format.h>

#include <cmath>

namespace chimera::load {

const char* to_string(ArrivalKind kind) {
  switch (kind) {
    case ArrivalKind::kConstant:
      return "constant";
    case ArrivalKind::kPoisson:
      return "poisson";
    case ArrivalKind::kGamma:
      return "gamma";
  }
  return "poisson";
}

Expected<ArrivalKind> parse_arrival_kind(std::string_view text) {
  if (text == "constant") return ArrivalKind::kConstant;
  if (text == "poisson") return ArrivalKind::kPoisson;
  if (text == "gamma") return ArrivalKind::kGamma;
  return fail(FailureKind::kInvalidInput,
              fmt::format("--arrival {}: choose constant, poisson or gamma", text));
}

Expected<void> validate(const OpenLoopSpec& spec) {
  auto bad = [](std::string message) {
    return fail(FailureKind::kInvalidInput, std::move(message));
  };
  if (!(spec.rate > 0) || !std::isfinite(spec.rate))
    return bad(fmt::format("--rate {}: give a positive number of requests per second", spec.rate));
  if (spec.arrival == ArrivalKind::kGamma &&
      (!(spec.burstiness > 0) || !std::isfinite(spec.burstiness)))
    return bad(
        fmt::format("--burstiness {}: give a positive gamma shape (1 = Poisson)", spec.burstiness));
  if (spec.arrival != ArrivalKind::kGamma && spec.burstiness != 1.0)
    return bad("--burstiness applies to --arrival gamma only");
  if (!(spec.ramp_up_s >= 0) || !std::isfinite(spec.ramp_up_s))
    return bad(fmt::format("--ramp-up {}: give zero or more seconds", spec.ramp_up_s));
  if (!spec.duration_s && !spec.requests)
    return bad("an open-loop run needs --duration S or --requests N to know when to stop");
  if (spec.duration_s && !(*spec.duration_s > 0))
    return bad(fmt::format("--duration {}: give a positive number of seconds", *spec.duration_s));
  if (spec.requests && *spec.requests < 1)
    return bad(fmt::format("--requests {}: give at least 1", *spec.requests));
  if (spec.max_concurrency < 0)
    return bad(fmt::format("--max-concurrency {}: give 0 (no cap) or more", spec.max_concurrency));
  return {};
}

Expected<void> validate_rate(double rate, std::optional<double> duration_s) {
  if (!(rate > 0) || !std::isfinite(rate)) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("--rate {}: give a positive number of requests per second", rate));
  }
  const double gap_s = 1 / rate;
  const bool past_duration = duration_s && gap_s > *duration_s;
  if (past_duration || gap_s > kMaxArrivalGapS) {
    const double limit = past_duration ? *duration_s : kMaxArrivalGapS;
    return fail(FailureKind::kInvalidInput,
                fmt::format("--rate {:g}: one request every {:g} s, so the next arrival lies "
                            "beyond {}; give at least {:g} requests/s",
                            rate, gap_s,
                            past_duration ? fmt::format("--duration {:g} s", *duration_s)
                                          : std::string("the 1-hour limit of a schedule"),
                            1 / limit));
  }
  return {};
}

ArrivalSchedule::ArrivalSchedule(const OpenLoopSpec& spec)
    : spec_(spec),
      rng_(spec.seed),
      gamma_(spec.arrival == ArrivalKind::kGamma ? spec.burstiness : 1.0,
             spec.arrival == ArrivalKind::kGamma ? 1.0 / spec.burstiness : 1.0) {}

double ArrivalSchedule::to_real_time(double operational) const {
  const double rate = spec_.rate;
  const double ramp = spec_.ramp_up_s;
  const double ramp_requests = rate * ramp / 2;  // Λ at the end of the ramp
  if (ramp > 0 && operational < ramp_requests) return std::sqrt(2 * ramp * operational / rate);
  return ramp + (operational - ramp_requests) / rate;
}

std::optional<double> ArrivalSchedule::next() {
  if (spec_.requests && issued_ >= *spec_.requests) return std::nullopt;
  const double at = to_real_time(operational_);
  if (spec_.duration_s && at >= *spec_.duration_s) return std::nullopt;
  ++issued_;
  switch (spec_.arrival) {
    case ArrivalKind::kConstant:
      operational_ += 1;
      break;
    case ArrivalKind::kPoisson:
      operational_ += exponential_(rng_);
      break;
    case ArrivalKind::kGamma:
      operational_ += gamma_(rng_);
      break;
  }
  return at;
}

OpenLoopPacer::OpenLoopPacer(const OpenLoopSpec& spec)
    : schedule_(spec), max_concurrency_(spec.max_concurrency) {}

OpenLoopPacer::Step OpenLoopPacer::poll(double now_s, int in_flight) {
  Step step;
  if (!done_ && !next_) {
    next_ = schedule_.next();
    if (!next_) done_ = true;
  }
  if (done_) return step;  // kDone
  if (*next_ > now_s) {
    step.kind = Step::kWait;
    step.wake_at = *next_;
    return step;
  }
  if (max_concurrency_ > 0 && in_flight >= max_concurrency_) {
    held_ = true;
    step.kind = Step::kWait;  // until a completion frees a slot
    return step;
  }
  step.kind = Step::kSend;
  step.index = schedule_.issued() - 1;
  step.scheduled_s = *next_;
  step.held_by_cap = held_;
  held_ = false;
  next_.reset();
  return step;
}

ScheduleAccumulator::ScheduleAccumulator(double target_rate) : target_rate_(target_rate) {}

void ScheduleAccumulator::add(double scheduled_s, double sent_s, bool held_by_cap) {
  if (n_ == 0) {
    first_scheduled_ = last_scheduled_ = scheduled_s;
    first_sent_ = last_sent_ = sent_s;
  }
  first_scheduled_ = std::min(first_scheduled_, scheduled_s);
  last_scheduled_ = std::max(last_scheduled_, scheduled_s);
  first_sent_ = std::min(first_sent_, sent_s);
  last_sent_ = std::max(last_sent_, sent_s);
  ++n_;
  if (held_by_cap) ++held_;
  lateness_.add((sent_s - scheduled_s) * 1000.0);
}

namespace {

std::string keep_up_advice(const ScheduleSummary& s) {
  if (s.held_by_cap * 10 >= s.requests) {
    return fmt::format(
        "{} of {} requests waited for a free slot under --max-concurrency: raise the cap, or "
        "lower --rate to what the server sustains",
        s.held_by_cap, s.requests);
  }
  return "lower --rate, give the client a core of its own (run the server elsewhere), or close "
         "other programs";
}

}  // namespace

ScheduleSummary ScheduleAccumulator::finish() const {
  ScheduleSummary s;
  s.target_rate = target_rate_;
  s.requests = n_;
  s.held_by_cap = held_;
  s.lateness_ms = lateness_.summary(stats::BootstrapOptions{.resamples = 0});
  s.lateness_exact = lateness_.exact();
  if (n_ >= 2 && last_scheduled_ > first_scheduled_)
    s.scheduled_rate = static_cast<double>(n_ - 1) / (last_scheduled_ - first_scheduled_);
  if (n_ >= 2 && last_sent_ > first_sent_)
    s.achieved_rate = static_cast<double>(n_ - 1) / (last_sent_ - first_sent_);
  if (n_ < 2) return s;
  const bool slow =
      s.scheduled_rate > 0 && s.achieved_rate < kMinAchievedFraction * s.scheduled_rate;
  const bool late = s.lateness_ms.p99 && *s.lateness_ms.p99 > kMaxP99LatenessMs;
  if (slow || late) {
    s.warnings.push_back(fmt::format(
        "the client could not keep up: it sent {:.1f} requests/s of the {:.1f} scheduled "
        "(target {:g}), p99 lateness {:.2f} ms (limit {:g} ms); {}",
        s.achieved_rate, s.scheduled_rate, s.target_rate, s.lateness_ms.p99.value_or(0),
        kMaxP99LatenessMs, keep_up_advice(s)));
  }
  return s;
}

nlohmann::json percentiles_json(const stats::Summary& s) {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  return {{"n", s.n},          {"mean", opt(s.mean)}, {"p50", opt(s.p50)}, {"p90", opt(s.p90)},
          {"p95", opt(s.p95)}, {"p99", opt(s.p99)},   {"max", opt(s.max)}};
}

nlohmann::json to_json(const ScheduleSummary& s) {
  return {{"target_rate", s.target_rate},       {"scheduled_rate", s.scheduled_rate},
          {"achieved_rate", s.achieved_rate},   {"requests", s.requests},
          {"held_by_cap", s.held_by_cap},       {"lateness_ms", percentiles_json(s.lateness_ms)},
          {"lateness_exact", s.lateness_exact}, {"warnings", s.warnings}};
}

}  // namespace chimera::load
