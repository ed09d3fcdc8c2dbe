#include "chimera/sim/truth.hpp"

namespace chimera::sim {

nlohmann::json to_json(const RequestTruth& t) {
  return nlohmann::json{
      {"id", t.id},
      {"model", t.model},
      {"api", t.api},
      {"stream", t.stream},
      {"received_ns", t.received_ns},
      {"first_token_ns", t.first_token_ns},
      {"last_token_ns", t.last_token_ns},
      {"done_ns", t.done_ns},
      {"queue_ms", t.queue_ms},
      {"load_ms", t.load_ms},
      {"prompt_eval_count", t.prompt_eval_count},
      {"prompt_eval_ms", t.prompt_eval_ms},
      {"eval_count", t.eval_count},
      {"eval_ms", t.eval_ms},
      {"total_ms", t.total_ms},
      {"fault", t.fault},
      {"status", t.status},
      {"done_reason", t.done_reason},
      {"planted_figures", t.planted_figures},
  };
}

void TruthLog::add(RequestTruth truth) {
  std::lock_guard lock(mutex_);
  if (records_.size() >= capacity_)
    records_.erase(records_.begin(), records_.begin() + capacity_ / 10 + 1);
  records_.push_back(std::move(truth));
}

std::vector<RequestTruth> TruthLog::snapshot() const {
  std::lock_guard lock(mutex_);
  return records_;
}

void TruthLog::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

}  // namespace chimera::sim
