#pragma once
// Completions travel from the HTTP loop thread to the caller's thread through a
// mailbox, so the loop never waits on the caller (a disk write, a decision).

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace chimera::orchestrate {

template <typename T>
class Mailbox {
 public:
  void post(T item) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
  }

  // Waits at most 100 ms, so the caller notices Ctrl-C promptly.
  std::optional<T> take() {
    return take_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  }

  // Waits until an item comes or `deadline` passes, but no more than 100 ms
  // (Ctrl-C); an open-loop runner passes the next request's due time.
  std::optional<T> take_until(std::chrono::steady_clock::time_point deadline) {
    const auto cap = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, std::min(deadline, cap), [this] { return !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    auto item = std::move(queue_.front());
    queue_.pop_front();
    return item;
  }

  // Without waiting.
  std::optional<T> try_take() {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return std::nullopt;
    auto item = std::move(queue_.front());
    queue_.pop_front();
    return item;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> queue_;
};

}  // namespace chimera::orchestrate
