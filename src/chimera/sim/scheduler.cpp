#include "chimera/sim/scheduler.hpp"

namespace chimera::sim {

Scheduler::Admission Scheduler::admit(const std::string& model, std::uint64_t ticket,
                                      std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  auto& state = models_[model];
  if (state.busy < parallel_ && state.queue.empty()) {
    ++state.busy;
    return Admission::kGranted;
  }
  if (waiting_ >= max_queue_) return Admission::kRejected;
  state.queue.push_back(Waiter{ticket, std::move(wake)});
  ++waiting_;
  return Admission::kQueued;
}

void Scheduler::release(const std::string& model) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    auto& state = models_[model];
    if (state.queue.empty()) {
      if (state.busy > 0) --state.busy;
      return;
    }
    // The slot passes straight to the oldest waiter, so nobody can jump the queue.
    wake = std::move(state.queue.front().wake);
    state.queue.pop_front();
    --waiting_;
  }
  wake();
}

int Scheduler::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

bool Scheduler::expired(const ModelState& state, Clock::time_point now) const {
  return state.in_use == 0 && state.expires_at && *state.expires_at <= now;
}

Scheduler::LoadDecision Scheduler::begin_use(const std::string& model, const LoadOptions& options,
                                             std::chrono::nanoseconds load_time,
                                             Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& state = models_[model];
  LoadDecision decision;
  if (!state.loaded || state.options != options || expired(state, now)) {
    state.loaded = true;
    state.options = options;
    state.ready_at = now + load_time;
    decision.reload = true;
  }
  ++state.in_use;
  state.expires_at.reset();
  decision.ready_at = state.ready_at;
  return decision;
}

void Scheduler::end_use(const std::string& model, double keep_alive_s, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& state = models_[model];
  if (state.in_use > 0) --state.in_use;
  if (state.in_use > 0) return;
  if (keep_alive_s == 0) {
    state.loaded = false;
  } else if (keep_alive_s > 0) {
    state.expires_at = now + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(keep_alive_s));
  } else {
    state.expires_at.reset();
  }
}

void Scheduler::unload(const std::string& model) {
  std::lock_guard lock(mutex_);
  auto& state = models_[model];
  state.loaded = false;
  state.expires_at.reset();
}

std::vector<Scheduler::LoadedModel> Scheduler::loaded(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  std::vector<LoadedModel> out;
  for (const auto& [name, state] : models_) {
    if (!state.loaded || expired(state, now)) continue;
    out.push_back(LoadedModel{name, state.options, state.expires_at});
  }
  return out;
}

int Scheduler::decode_join(const std::string& model) {
  std::lock_guard lock(mutex_);
  return ++models_[model].decoding;
}

void Scheduler::decode_leave(const std::string& model) {
  std::lock_guard lock(mutex_);
  auto& state = models_[model];
  if (state.decoding > 0) --state.decoding;
}

int Scheduler::decoding(const std::string& model) const {
  std::lock_guard lock(mutex_);
  const auto it = models_.find(model);
  return it == models_.end() ? 0 : it->second.decoding;
}

bool Scheduler::first_of_shape(const std::string& model, std::int64_t bucket) {
  std::lock_guard lock(mutex_);
  return models_[model].shapes_seen.insert(bucket).second;
}

Scheduler::BatchStall Scheduler::batch_step(const std::string& model, int bucket,
                                            Clock::time_point step_start, Clock::duration penalty) {
  std::lock_guard lock(mutex_);
  auto& state = models_[model];
  BatchStall stall;
  stall.first_of_bucket = bucket >= 2 && state.batch_buckets_seen.insert(bucket).second;
  if (stall.first_of_bucket) {
    state.stalled_until = std::max(state.stalled_until, step_start) + penalty;
  }
  stall.until = state.stalled_until;
  return stall;
}

}  // namespace chimera::sim
