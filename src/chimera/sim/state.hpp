#pragma once
// State shared by every connection of one SimServer (internal to sim/).

#include <atomic>
#include <chrono>
#include <cstdint>

#include "chimera/sim/config.hpp"
#include "chimera/sim/scheduler.hpp"
#include "chimera/sim/truth.hpp"

namespace chimera::sim {

struct ServerState {
  using Clock = std::chrono::steady_clock;

  explicit ServerState(SimConfig cfg)
      : config(std::move(cfg)), scheduler(config.parallel, config.max_queue) {}

  std::int64_t since_start_ns(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - started).count();
  }
  void stream_opened() {
    const auto now_active = ++active_streams;
    auto peak = peak_active_streams.load();
    while (now_active > peak && !peak_active_streams.compare_exchange_weak(peak, now_active)) {
    }
  }
  void stream_closed() { --active_streams; }

  SimConfig config;
  Scheduler scheduler;
  TruthLog truth;
  Clock::time_point started = Clock::now();
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> active_streams{0};
  std::atomic<std::int64_t> peak_active_streams{0};
  std::atomic<std::int64_t> tokens_sent{0};
};

}  // namespace chimera::sim
