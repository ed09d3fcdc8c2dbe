#pragma once
// What the simulator really did for each request, on its own steady clock, so
// a client's measurements can be checked against it (GET /sim/requests).

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace chimera::sim {

// One first-of-a-batch-size stall a request sat through (config.hpp,
// batch_penalty_ms): before which of its tokens, at what batch size, how long
// it waited, and when the step that waited began (ns since the server
// started). `started`: this request's joining the batch found the new
// bucket; otherwise it was decoding when another's did.
struct BatchPenaltyTruth {
  std::int64_t token = 0;
  int batch = 0;
  int bucket = 0;
  double ms = 0;
  std::int64_t at_ns = 0;
  bool started = false;
};

// What the engine model did to one request: the batches its tokens were
// decoded in, whether it paid the first-of-a-shape prefill penalty and the
// first-of-a-batch-size stalls it sat through. With
// tokens_by_batch a test recomputes the decode time: Σ_b count_b /
// (decode_tps · factor(b)).
struct EngineTruth {
  bool continuous_batching = false;
  int batch_min = 0;  // 0 when no token was decoded
  int batch_max = 0;
  std::map<int, std::int64_t> tokens_by_batch;  // batch size -> tokens decoded at it
  double effective_tps = 0;                     // tokens / decode time
  std::int64_t shape_bucket = 0;                // prompt tokens rounded up, in buckets
  double shape_penalty_ms = 0;                  // 0 unless this was the first of its shape
  double batch_penalty_ms = 0;                  // the sum of batch_penalties[].ms
  std::vector<BatchPenaltyTruth> batch_penalties;
  void saw_batch(int batch) {
    if (batch_min == 0 || batch < batch_min) batch_min = batch;
    if (batch > batch_max) batch_max = batch;
    ++tokens_by_batch[batch];
  }
  void paid_batch_penalty(const BatchPenaltyTruth& penalty) {
    batch_penalties.push_back(penalty);
    batch_penalty_ms += penalty.ms;
  }
};

struct RequestTruth {
  std::uint64_t id = 0;
  std::string model;  // as the client named it
  std::string api;    // generate | chat | chat_completions | completions
  // Nanoseconds since the server started; 0 when the moment never came.
  std::int64_t received_ns = 0;
  std::int64_t first_token_ns = 0;
  std::int64_t last_token_ns = 0;
  std::int64_t done_ns = 0;
  double queue_ms = 0;
  double load_ms = 0;
  std::int64_t prompt_eval_count = 0;
  double prompt_eval_ms = 0;
  std::int64_t eval_count = 0;  // tokens actually sent
  double eval_ms = 0;
  double total_ms = 0;
  // The total_duration the final chunk reported (the inflate_total fault adds
  // to it); null when no final chunk was written.
  std::optional<double> reported_total_ms;
  std::string fault;        // "" or the fault spec that was applied
  int status = 0;           // HTTP status; 499 when the client went away mid-stream
  std::string done_reason;  // stop | length | load | unload | "" when it did not finish
  bool stream = true;
  EngineTruth engine;

  // Send and arrival truth for load tests: when the socket accepted the
  // response's first byte (its status line) and its last byte, in ns since
  // the server started. `received_ns` above is when the request had fully
  // arrived. Both are stamped after the record is stored (so a client that
  // asks right after its last byte may still see 0), and stay 0 when the
  // write never completed (the client went away, a dropped connection).
  std::int64_t first_byte_ns = 0;
  std::int64_t last_byte_ns = 0;

  // The figures the report text states on purpose and the class each should
  // get from a verifier (text.hpp, PlantedFigure); [] for other texts.
  nlohmann::json planted_figures = nlohmann::json::array();
};

nlohmann::json to_json(const RequestTruth& truth);

// Thread-safe list of finished requests; the oldest are dropped past `capacity`.
class TruthLog {
 public:
  explicit TruthLog(std::size_t capacity = 200'000) : capacity_(capacity) {}
  void add(RequestTruth truth);
  // Sets a field of a stored record after the fact (no-op once it was dropped).
  void stamp_first_byte(std::uint64_t id, std::int64_t ns);
  void stamp_last_byte(std::uint64_t id, std::int64_t ns);
  std::vector<RequestTruth> snapshot() const;
  void clear();

 private:
  RequestTruth* find(std::uint64_t id);  // caller holds mutex_

  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::deque<RequestTruth> records_;  // oldest first; dropped from the front one by one
};

}  // namespace chimera::sim
