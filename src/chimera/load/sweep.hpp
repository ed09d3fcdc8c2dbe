#pragma once
// Sweeps over load: the `--rate` values, the `--rate sweep` plan, the
// latency–throughput table row, saturation detection, and the highest rate
// that met the SLOs. Pure functions: the bench runner measures, these decide.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/load/slo.hpp"
#include "chimera/util/error.hpp"

namespace chimera::load {

// `--rate 1,2,4,8` or `--rate sweep` (optionally `sweep:N`, N interpolated rates).
struct RateSpec {
  bool sweep = false;
  int sweep_points = 8;
  std::vector<double> rates;  // ascending, without `sweep`
};
Expected<RateSpec> parse_rate_spec(std::string_view text);

// A `--rate sweep` runs: a synchronous step (closed loop, one request at a
// time); the throughput search (closed loops at concurrency 2, 4, 8, ...,
// each a short probe, until completions/s gain less than 5% or requests fail);
// the throughput step (the knee's concurrency held for the sweep's duration,
// at least 10 s: the measured maximum); `points` open-loop rates spaced evenly
// strictly between the synchronous and the maximum request rate,
//   rate_i = sync + (max − sync) · i / (points + 1), i = 1..points,
// each rounded to 3 significant digits (duplicates dropped); and, with an
// SLO, a confirmation step at the highest rate whose p95 met it.
//
// kInvalidInput when the maximum was not above the synchronous rate: the
// server does not serve requests in parallel, so there is no range.
Expected<std::vector<double>> sweep_rates(double synchronous_rate, double maximum_rate, int points);

// One row of the latency–throughput table (one load level).
struct LoadRow {
  std::string label;  // "c=4", "rate=2", "synchronous"
  // In a --rate sweep: "synchronous", "search", "throughput", "rate" or
  // "confirmation"; empty otherwise.
  std::string step;
  std::optional<double> target_rate;  // open loop
  std::optional<int> concurrency;     // closed loop
  double achieved_rate = 0;           // ok requests / duration
  // Open loop: the rate the schedule's random draw asked for, and the rate
  // requests were completed at (throughput.completions_per_s).
  std::optional<double> scheduled_rate, completion_rate;
  double output_tokens_per_s = 0;
  std::optional<double> ttft_p50_ms, ttft_p95_ms, ttft_p99_ms;
  std::optional<double> tpot_p50_ms, tpot_p95_ms, tpot_p99_ms;
  std::optional<double> e2e_p50_ms, e2e_p95_ms, e2e_p99_ms;
  std::optional<double> goodput_per_s;
  std::int64_t requests = 0;
  std::int64_t errors = 0;    // error or empty
  std::int64_t rejected = 0;  // HTTP 429/503: the server's queue was full
};
nlohmann::json to_json(const LoadRow& row);

// The throughput search over closed-loop levels in the order measured,
// levels[0] being the synchronous step (concurrency 1). The search stops at
// the first level that had failed requests (errors, empty answers or HTTP
// 429/503) or whose completions/s gained less than `min_gain` over the level
// before; the knee is then that level before. It also stops when doubling
// would pass `max_concurrency`; the knee is then the last level.
inline constexpr double kKneeMinGain = 0.05;
inline constexpr int kSearchMaxConcurrency = 1024;  // without --max-concurrency
struct ThroughputSearch {
  bool done = false;
  std::size_t knee = 0;      // into levels, when done
  int next_concurrency = 0;  // when not done
  std::string reason;        // when done: a sentence with the figures
};
ThroughputSearch search_throughput(const std::vector<LoadRow>& levels, int max_concurrency,
                                   double min_gain = kKneeMinGain);

// How long one probe of the search lasts: four median request latencies of
// the level before, at least 1 s and at most the hold (the sweep's duration).
inline constexpr double kProbeMinS = 1.0;
inline constexpr double kSweepMinHoldS = 10.0;
double probe_seconds(std::optional<double> previous_e2e_p50_ms, double hold_s);

// A row meets an SLO when the p95 of every metric the SLO bounds does.
bool p95_meets(const Slo& slo, const LoadRow& row);
// The index of the row with the highest load (target rate, else achieved
// rate) whose p95 meets the SLO; nullopt when none does.
std::optional<std::size_t> highest_rate_meeting(const Slo& slo, const std::vector<LoadRow>& rows);

struct SaturationOptions {
  double max_rejected_fraction = 0.01;  // 429/503 above this: the server sheds load
  double min_achieved_fraction = 0.90;  // completions below this share of the scheduled rate
  double latency_growth = 1.5;          // p50 e2e ratio to the previous step ...
  double throughput_growth = 1.05;      // ... while achieved rate grew less than this
};
struct Saturation {
  bool saturated = false;
  std::size_t step = 0;  // the first saturated row
  std::string reason;    // a sentence with the figures
};
// Looks at rows in increasing load order and stops at the first saturated one:
// the server rejected requests; an open-loop step completed requests well
// below the rate they were scheduled at (the queue grows without bound; the
// completion and scheduled rates when known, else achieved and target); or latency jumped by
// latency_growth while throughput stayed flat (more load only queues).
Saturation detect_saturation(const std::vector<LoadRow>& rows,
                             const SaturationOptions& options = {});

}  // namespace chimera::load
