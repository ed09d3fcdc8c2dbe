#pragma once
// Wake-ups deferred to the end of a batch of work. A thread inside a
// WakeBatch (the HTTP loop, for each round of socket events) wakes each
// waiting consumer once when the batch ends, instead of once per item it
// hands over; a consumer sharing the core is then switched to once per round
// rather than once per completion. Outside a batch, nothing is deferred.

#include <memory>
#include <vector>

namespace chimera::util {

class Waker {
 public:
  virtual ~Waker() = default;
  virtual void wake() = 0;
};

class WakeBatch {
 public:
  WakeBatch();
  ~WakeBatch();  // wakes every deferred Waker, once each
  WakeBatch(const WakeBatch&) = delete;
  WakeBatch& operator=(const WakeBatch&) = delete;

  // True when this thread is inside a batch: `waker` is kept alive and woken
  // when the batch ends. False: the caller wakes it now.
  static bool defer(const std::shared_ptr<Waker>& waker);

 private:
  WakeBatch* outer_;
  std::vector<std::shared_ptr<Waker>> deferred_;
};

}  // namespace chimera::util
