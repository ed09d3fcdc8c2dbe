#include "chimera/sim/truth.hpp"

namespace chimera::sim {

namespace {

nlohmann::json engine_json(const EngineTruth& e) {
  nlohmann::json by_batch = nlohmann::json::object();
  for (const auto& [batch, tokens] : e.tokens_by_batch) by_batch[std::to_string(batch)] = tokens;
  nlohmann::json stalls = nlohmann::json::array();
  for (const auto& p : e.batch_penalties) {
    stalls.push_back({{"token", p.token},
                      {"batch", p.batch},
                      {"bucket", p.bucket},
                      {"ms", p.ms},
                      {"at_ns", p.at_ns},
                      {"started", p.started}});
  }
  return nlohmann::json{
      {"batching", e.continuous_batching ? "continuous" : "independent"},
      {"batch_min", e.batch_min},
      {"batch_max", e.batch_max},
      {"tokens_by_batch", by_batch},
      {"effective_tps", e.effective_tps},
      {"shape_bucket", e.shape_bucket},
      {"shape_penalty_ms", e.shape_penalty_ms},
      {"batch_penalty_ms", e.batch_penalty_ms},
      {"batch_penalties", stalls},
  };
}

}  // namespace

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
      {"reported_total_ms",
       t.reported_total_ms ? nlohmann::json(*t.reported_total_ms) : nlohmann::json(nullptr)},
      {"fault", t.fault},
      {"status", t.status},
      {"done_reason", t.done_reason},
      {"engine", engine_json(t.engine)},
      {"first_byte_ns", t.first_byte_ns},
      {"last_byte_ns", t.last_byte_ns},
      {"planted_figures", t.planted_figures},
  };
}

RequestTruth* TruthLog::find(std::uint64_t id) {
  // The record was stored a moment ago: search from the newest.
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    if (it->id == id) return &*it;
  }
  return nullptr;
}

void TruthLog::stamp_first_byte(std::uint64_t id, std::int64_t ns) {
  std::lock_guard lock(mutex_);
  if (auto* t = find(id); t != nullptr && t->first_byte_ns == 0) t->first_byte_ns = ns;
}

void TruthLog::stamp_last_byte(std::uint64_t id, std::int64_t ns) {
  std::lock_guard lock(mutex_);
  if (auto* t = find(id); t != nullptr) t->last_byte_ns = ns;
}

void TruthLog::add(RequestTruth truth) {
  std::lock_guard lock(mutex_);
  if (records_.size() >= capacity_) records_.pop_front();
  records_.push_back(std::move(truth));
}

std::vector<RequestTruth> TruthLog::snapshot() const {
  std::lock_guard lock(mutex_);
  return {records_.begin(), records_.end()};
}

void TruthLog::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

}  // namespace chimera::sim
