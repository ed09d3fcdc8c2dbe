#pragma once
// Aggregate throughput of one configuration, computed as requests finish, in
// memory that does not grow with the number of requests.
//
// Times are seconds on the run's steady clock (0 = the run's first send).
//   duration_s          last byte of any request − first send of any request
//   requests_per_s      ok requests / duration_s
//   output_tokens_per_s Σ output tokens of ok requests / duration_s
//   total_tokens_per_s  Σ (prompt + output) tokens of ok requests / duration_s
//   mean_in_flight      Σ (finish − send) over all requests / duration_s (Little's
//                       law: the time average of the number in flight)
//   max_in_flight       the most requests in flight at once, from the send and
//                       finish times (a sweep over the two sorted event streams)
//   peak_output_tokens_per_s  the highest output-token rate over the pieces of
//                       the run cut at whole seconds of the run clock, a piece
//                       shorter than one second (the first, the last) joined to
//                       its neighbour; each text chunk carries output_tokens /
//                       text_chunks tokens. The pieces partition the run, so the
//                       peak is never below output_tokens_per_s; a run shorter
//                       than one second has none (nullopt)
//   completions_per_s   (ok − 1) / (last ok finish − first ok finish): the rate
//                       the server completed requests at, without the ramp-up
//                       and the drain that duration_s includes (nullopt below 2)
//   goodput_per_s       ok requests that met every SLO / duration_s (with an SLO)
//
// The runner reports each send as it happens (note_sent, in send order) and
// each request as it finishes (add, in finish order: one HTTP loop thread
// finishes requests one after another). Memory: the sends not yet overtaken
// by a finish (at most the requests in flight) and one counter per second.

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "chimera/load/slo.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::load {

struct RequestSpan {
  double sent_s = 0;      // the client handed the request over
  double finished_s = 0;  // its last byte arrived (or it failed)
  bool ok = false;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  // Arrival times of the text chunks (seconds, same clock); may be empty.
  std::vector<double> chunk_s;
  bool met_slo = false;
};

// The span of one finished request: chunk times are sent_s + ttft, then the
// itl gaps; prompt tokens are the server's count (prompt_eval_count or
// prompt_tokens), else `fallback_prompt_tokens` (the workload's own count).
// `wire_offset_s` is t0 − sent_s when the runner knows it (0 otherwise: the
// chunks then look that much early).
RequestSpan span_of(const measure::RequestResult& result, double sent_s, double finished_s,
                    std::int64_t fallback_prompt_tokens = 0, const Slo* slo = nullptr,
                    double wire_offset_s = 0);

struct ThroughputSummary {
  std::int64_t requests = 0, ok = 0;
  double duration_s = 0;
  double requests_per_s = 0;
  std::int64_t output_tokens = 0, prompt_tokens = 0;
  double output_tokens_per_s = 0;
  double total_tokens_per_s = 0;
  int max_in_flight = 0;
  double mean_in_flight = 0;
  std::optional<double> peak_output_tokens_per_s;  // nullopt: the run is shorter than 1 s
  std::optional<std::int64_t> slo_met;             // with an SLO
  std::optional<double> goodput_per_s;
  std::optional<double> completions_per_s;
  // Finishes reported earlier than one already seen: max_in_flight may then
  // be too high by up to this many.
  std::int64_t out_of_order_finishes = 0;
};

class ThroughputAccumulator {
 public:
  explicit ThroughputAccumulator(bool with_slo = false) : with_slo_(with_slo) {}
  void note_sent(double sent_s);
  // Every request's send must have been noted before its finish is added.
  void add(const RequestSpan& span);
  ThroughputSummary finish() const;

  // For spans read back (a store, a test): feeds them in event order.
  static ThroughputSummary of(std::vector<RequestSpan> spans, bool with_slo = false);

 private:
  void count_sends_before(double t);
  void add_tokens_at(double t, double tokens);
  std::optional<double> peak_rate() const;

  bool with_slo_;
  std::int64_t requests_ = 0, ok_ = 0, slo_met_ = 0;
  std::int64_t output_tokens_ = 0, prompt_tokens_ = 0;
  double first_sent_ = 0, last_finished_ = 0, busy_s_ = 0;
  double first_ok_finish_ = 0, last_ok_finish_ = 0;
  bool any_ = false;
  std::deque<double> pending_sends_;  // sorted: sends no finish has overtaken yet
  int in_flight_ = 0, max_in_flight_ = 0;
  double frontier_ = 0;
  std::int64_t out_of_order_ = 0;
  std::vector<double> tokens_per_second_;  // index k: [k, k + 1) s
};

nlohmann::json to_json(const ThroughputSummary& summary);

}  // namespace chimera::load
