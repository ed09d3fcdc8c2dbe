#pragma once
// What the simulator really did for each request, on its own steady clock, so
// a client's measurements can be checked against it (GET /sim/requests).

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace chimera::sim {

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
  std::string fault;        // "" or the fault spec that was applied
  int status = 0;           // HTTP status; 499 when the client went away mid-stream
  std::string done_reason;  // stop | length | load | unload | "" when it did not finish
  bool stream = true;
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
  std::vector<RequestTruth> snapshot() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::vector<RequestTruth> records_;
};

}  // namespace chimera::sim
