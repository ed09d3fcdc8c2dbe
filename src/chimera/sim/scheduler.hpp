#pragma once
// Ollama's scheduler in miniature: per model N parallel slots with a FIFO
// queue (OLLAMA_NUM_PARALLEL), a bound on waiting requests (OLLAMA_MAX_QUEUE),
// and the loaded state of each model, which load-affecting options and
// keep_alive expiry invalidate. Pure bookkeeping: waiting is the caller's job.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace chimera::sim {

// Options that change a model's memory layout; absent means the server default.
struct LoadOptions {
  std::optional<std::int64_t> num_ctx;
  std::optional<std::int64_t> num_gpu;
  bool operator==(const LoadOptions&) const = default;
};

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Admission { kGranted, kQueued, kRejected };

  struct LoadDecision {
    bool reload = false;         // this request starts a (re)load
    Clock::time_point ready_at;  // when the model is usable
  };
  struct LoadedModel {
    std::string name;
    LoadOptions options;
    std::optional<Clock::time_point> expires_at;  // nullopt: kept forever or in use
  };

  Scheduler(int parallel, int max_queue) : parallel_(parallel), max_queue_(max_queue) {}

  // Takes a slot, or queues `wake` (called without the lock held when the slot
  // is handed over by release()), or refuses when the queue is full.
  Admission admit(const std::string& model, std::uint64_t ticket, std::function<void()> wake);
  void release(const std::string& model);
  int waiting() const;

  LoadDecision begin_use(const std::string& model, const LoadOptions& options,
                         std::chrono::nanoseconds load_time, Clock::time_point now);
  // keep_alive_s: 0 unloads now, negative keeps the model loaded forever.
  void end_use(const std::string& model, double keep_alive_s, Clock::time_point now);
  void unload(const std::string& model);
  std::vector<LoadedModel> loaded(Clock::time_point now) const;

  // The engine's batch: requests of a model between their first and last
  // decoded token. join returns the batch size including the newcomer.
  int decode_join(const std::string& model);
  void decode_leave(const std::string& model);
  int decoding(const std::string& model) const;
  // True exactly once per (model, prompt-length bucket): the first of a shape.
  bool first_of_shape(const std::string& model, std::int64_t bucket);
  // The engine's first step in a batch-size bucket it has never run
  // (timing.hpp, batch_bucket; 0: a single request, no bucket) takes
  // `penalty` longer, and every request decoding on the model waits for it.
  // `step_start`: when the asking request's next step begins. Returns whether
  // this call found the bucket new, and until when the engine is stalled (in
  // the past when it is not).
  struct BatchStall {
    bool first_of_bucket = false;
    Clock::time_point until{};
  };
  BatchStall batch_step(const std::string& model, int bucket, Clock::time_point step_start,
                        Clock::duration penalty);

 private:
  struct Waiter {
    std::uint64_t ticket;
    std::function<void()> wake;
  };
  struct ModelState {
    int busy = 0;
    std::deque<Waiter> queue;
    bool loaded = false;
    LoadOptions options;
    Clock::time_point ready_at{};
    std::optional<Clock::time_point> expires_at;
    int in_use = 0;
    int decoding = 0;
    std::set<std::int64_t> shapes_seen;
    std::set<int> batch_buckets_seen;
    Clock::time_point stalled_until{};
  };
  bool expired(const ModelState& state, Clock::time_point now) const;

  int parallel_;
  int max_queue_;
  int waiting_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, ModelState> models_;
};

}  // namespace chimera::sim
