#pragma once
// Open-loop load: when each request is due, and how late it really went out.
//
// Times are seconds on the run's steady clock, 0 = the run's first scheduled
// send. The schedule is a renewal process in "operational time" Λ (mean gap
// 1) mapped to real time through the cumulative target rate Λ(t) = ∫ rate:
//   constant  every gap is 1           (rate R: one request every 1/R s)
//   poisson   gaps ~ Exponential(1)    (a Poisson process of rate R)
//   gamma     gaps ~ Gamma(K, 1/K)     (mean 1, CV 1/√K; K = 1 is Poisson,
//                                       K < 1 burstier, K > 1 more regular)
// With --ramp-up S the rate grows linearly from 0 to R over the first S
// seconds (Λ(t) = R·t²/2S, then R·S/2 + R·(t − S)), so for Poisson arrivals
// the schedule is exactly a non-homogeneous Poisson process with that rate.
// The first request is due at 0. Draws use std::mt19937_64 and the standard
// distributions: the same seed gives the same schedule with the same
// standard library.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/load/sketch.hpp"
#include "chimera/util/error.hpp"

namespace chimera::load {

enum class ArrivalKind { kConstant, kPoisson, kGamma };
const char* to_string(ArrivalKind kind);
// "constant" | "poisson" | "gamma"; kInvalidInput with the choices otherwise.
Expected<ArrivalKind> parse_arrival_kind(std::string_view text);

struct OpenLoopSpec {
  double rate = 0;  // requests/s once ramped up; > 0
  ArrivalKind arrival = ArrivalKind::kPoisson;
  double burstiness = 1.0;  // the gamma shape K; only for gamma
  std::uint64_t seed = 0;
  double ramp_up_s = 0;
  // Stop scheduling at the first of these that is reached; at least one is set.
  std::optional<double> duration_s;      // requests due before this time
  std::optional<std::int64_t> requests;  // this many requests
  int max_concurrency = 0;               // 0: no cap
};

// Every rule above, with a sentence that names the flag.
Expected<void> validate(const OpenLoopSpec& spec);

// The longest a schedule may wait for its next arrival, in seconds.
inline constexpr double kMaxArrivalGapS = 3600;
// A rate whose mean gap between arrivals (1 / rate) lies beyond `duration_s`
// (when given) or kMaxArrivalGapS is refused: the run would sit idle waiting
// for its second request.
Expected<void> validate_rate(double rate, std::optional<double> duration_s);

class ArrivalSchedule {
 public:
  explicit ArrivalSchedule(const OpenLoopSpec& spec);  // spec must validate
  // The next request's scheduled send time; nullopt once the run is complete.
  std::optional<double> next();
  std::int64_t issued() const { return issued_; }

 private:
  double to_real_time(double operational) const;

  OpenLoopSpec spec_;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> exponential_{1.0};
  std::gamma_distribution<double> gamma_;
  double operational_ = 0;  // Λ of the next request
  std::int64_t issued_ = 0;
};

// What the bench runner asks on its own thread, between completions:
//
//   OpenLoopPacer pacer(spec);
//   for (;;) {
//     auto step = pacer.poll(seconds_since_origin(), in_flight);
//     if (step.kind == Step::kSend) { stamp actual send; submit(step.index); ++in_flight; continue;
//     } if (step.kind == Step::kDone && in_flight == 0) break; wait for a completion, but no later
//     than step.wake_at (kWait), then --in_flight;
//   }
//
// Every due request is sent before poll() says wait, so a runner that woke
// late catches up in one burst (each request keeps its own scheduled time and
// shows its lateness). With max_concurrency reached a due request waits for a
// completion (wake_at is +infinity) and is flagged held_by_cap.
class OpenLoopPacer {
 public:
  struct Step {
    enum Kind { kSend, kWait, kDone } kind = kDone;
    std::int64_t index = 0;    // kSend: 0-based request number
    double scheduled_s = 0;    // kSend: when it was due
    bool held_by_cap = false;  // kSend: it had to wait for a free slot
    double wake_at = std::numeric_limits<double>::infinity();  // kWait
  };

  explicit OpenLoopPacer(const OpenLoopSpec& spec);
  Step poll(double now_s, int in_flight);
  bool done() const { return done_; }

 private:
  ArrivalSchedule schedule_;
  int max_concurrency_;
  std::optional<double> next_;
  bool done_ = false;
  bool held_ = false;
};

struct ScheduleSummary {
  double target_rate = 0;     // the configured rate R
  double scheduled_rate = 0;  // (n − 1) / (last − first scheduled send): what the draw asked for
  double achieved_rate = 0;   // (n − 1) / (last − first actual send)
  std::int64_t requests = 0;
  std::int64_t held_by_cap = 0;
  stats::Summary lateness_ms{};  // actual − scheduled send
  bool lateness_exact = true;    // false once the sketch streamed (see sketch.hpp)
  std::vector<std::string> warnings;
};

// Fed once per sent request, in any order; bounded memory.
class ScheduleAccumulator {
 public:
  explicit ScheduleAccumulator(double target_rate);
  void add(double scheduled_s, double sent_s, bool held_by_cap = false);
  ScheduleSummary finish() const;

 private:
  double target_rate_;
  std::int64_t n_ = 0, held_ = 0;
  double first_scheduled_ = 0, last_scheduled_ = 0, first_sent_ = 0, last_sent_ = 0;
  LatencySketch lateness_;
};

// The client could not keep up when it sent below 99% of the scheduled rate
// or its p99 lateness passed 1 ms.
inline constexpr double kMinAchievedFraction = 0.99;
inline constexpr double kMaxP99LatenessMs = 1.0;

nlohmann::json to_json(const ScheduleSummary& summary);
// {n, mean, p50, p90, p95, p99, max}: the figures a load table shows.
nlohmann::json percentiles_json(const stats::Summary& summary);

}  // namespace chimera::load
