#include "chimera/load/recorder.hpp"

namespace chimera::load {

LoadRecorder::LoadRecorder(std::optional<double> target_rate, std::optional<Slo> slo)
    : slo_(std::move(slo)), throughput_(slo_.has_value()) {
  if (target_rate) schedule_.emplace(*target_rate);
}

void LoadRecorder::on_send(const std::string& id, double scheduled_s, double sent_s,
                           bool held_by_cap, std::int64_t workload_prompt_tokens) {
  sent_[id] = Sent{scheduled_s, sent_s, workload_prompt_tokens, held_by_cap};
  throughput_.note_sent(sent_s);
}

void LoadRecorder::on_finish(const measure::RequestResult& result, double finished_s) {
  const auto it = sent_.find(result.id);
  if (it == sent_.end()) {
    ++unknown_;
    return;
  }
  const Sent sent = it->second;
  sent_.erase(it);
  if (schedule_) {
    schedule_->add(sent.scheduled_s, result.send_s.value_or(sent.sent_s), sent.held_by_cap);
  }
  throughput_.add(
      span_of(result, sent.sent_s, finished_s, sent.prompt_tokens, slo_ ? &*slo_ : nullptr));
}

std::optional<LoadRecorder::Sent> LoadRecorder::sent_of(const std::string& id) const {
  const auto it = sent_.find(id);
  if (it == sent_.end()) return std::nullopt;
  return it->second;
}

LoadSummary LoadRecorder::finish() const {
  LoadSummary s;
  s.throughput = throughput_.finish();
  if (schedule_) s.schedule = schedule_->finish();
  return s;
}

nlohmann::json to_json(const LoadSummary& s) {
  nlohmann::json j = {{"throughput", to_json(s.throughput)}};
  if (s.schedule) j["schedule"] = to_json(*s.schedule);
  return j;
}

}  // namespace chimera::load
