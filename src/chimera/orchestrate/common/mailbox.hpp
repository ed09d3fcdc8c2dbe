#pragma once
// Completions travel from the HTTP loop thread to the caller's thread through a
// mailbox, so the loop never waits on the caller (a disk write, a decision).
// The loop posts inside a util::WakeBatch: the caller is woken once per round
// of socket events, not once per completion.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "chimera/util/wake_batch.hpp"

namespace chimera::orchestrate {

template <typename T>
class Mailbox {
 public:
  void post(T item) {
    {
      std::lock_guard lock(state_->mutex);
      state_->queue.push_back(std::move(item));
    }
    if (!util::WakeBatch::defer(state_)) state_->wake();
  }

  // Waits at most 100 ms, so the caller notices Ctrl-C promptly.
  std::optional<T> take() {
    return take_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  }

  // Waits until an item comes or `deadline` passes, but no more than 100 ms
  // (Ctrl-C); an open-loop runner passes the next request's due time.
  std::optional<T> take_until(std::chrono::steady_clock::time_point deadline) {
    const auto cap = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    std::unique_lock lock(state_->mutex);
    state_->cv.wait_until(lock, std::min(deadline, cap), [this] { return !state_->queue.empty(); });
    return pop();
  }

  // Without waiting.
  std::optional<T> try_take() {
    std::lock_guard lock(state_->mutex);
    return pop();
  }

 private:
  // Shared with a pending deferred wake-up, which may come after the mailbox
  // is gone.
  struct State final : util::Waker {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<T> queue;
    void wake() override { cv.notify_one(); }
  };

  std::optional<T> pop() {  // with the lock held
    if (state_->queue.empty()) return std::nullopt;
    auto item = std::move(state_->queue.front());
    state_->queue.pop_front();
    return item;
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace chimera::orchestrate
