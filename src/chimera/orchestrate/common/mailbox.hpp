#pragma once
// Completions travel from the HTTP loop thread to the caller's thread through a
// mailbox, so the loop never waits on the caller (a disk write, a decision).

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
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return !queue_.empty(); });
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
