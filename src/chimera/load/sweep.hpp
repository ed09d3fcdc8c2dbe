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

// A `--rate sweep` is run in two phases: first a synchronous run (closed loop,
// one request at a time) and a throughput run (closed loop at the highest
// concurrency, or every request at once), then `points` open-loop rates spaced
// evenly strictly between the two measured request rates:
//   rate_i = sync + (throughput − sync) · i / (points + 1), i = 1..points.
enum class SweepStepKind { kSynchronous, kThroughput, kRate };
struct SweepStep {
  SweepStepKind kind = SweepStepKind::kRate;
  double rate = 0;            // kRate: the target rate
  std::string label() const;  // "synchronous", "throughput", "rate 3.5/s"
};
std::vector<SweepStep> sweep_first_steps();
// kInvalidInput when the throughput run was not faster than the synchronous
// one: the server does not serve requests in parallel, so there is no range.
Expected<std::vector<SweepStep>> sweep_rate_steps(double synchronous_rate, double throughput_rate,
                                                  int points);

// One row of the latency–throughput table (one load level).
struct LoadRow {
  std::string label;                  // "c=4", "rate 2/s", "synchronous"
  std::optional<double> target_rate;  // open loop
  std::optional<int> concurrency;     // closed loop
  double achieved_rate = 0;           // ok requests / duration
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

// A row meets an SLO when the p95 of every metric the SLO bounds does.
bool p95_meets(const Slo& slo, const LoadRow& row);
// The index of the row with the highest load (target rate, else achieved
// rate) whose p95 meets the SLO; nullopt when none does.
std::optional<std::size_t> highest_rate_meeting(const Slo& slo, const std::vector<LoadRow>& rows);

struct SaturationOptions {
  double max_rejected_fraction = 0.01;  // 429/503 above this: the server sheds load
  double min_achieved_fraction = 0.90;  // completions below this share of the target rate
  double latency_growth = 1.5;          // p50 e2e ratio to the previous step ...
  double throughput_growth = 1.05;      // ... while achieved rate grew less than this
};
struct Saturation {
  bool saturated = false;
  std::size_t step = 0;  // the first saturated row
  std::string reason;    // a sentence with the figures
};
// Looks at rows in increasing load order and stops at the first saturated one:
// the server rejected requests; an open-loop step completed well below its
// target rate (the queue grows without bound); or latency jumped by
// latency_growth while throughput stayed flat (more load only queues).
Saturation detect_saturation(const std::vector<LoadRow>& rows,
                             const SaturationOptions& options = {});

}  // namespace chimera::load
