#include "chimera/util/wake_batch.hpp"

#include <algorithm>

namespace chimera::util {

namespace {
thread_local WakeBatch* current = nullptr;
}

WakeBatch::WakeBatch() : outer_(current) {
  current = this;
}

WakeBatch::~WakeBatch() {
  current = outer_;
  for (const auto& waker : deferred_) waker->wake();
}

bool WakeBatch::defer(const std::shared_ptr<Waker>& waker) {
  WakeBatch* batch = current;
  if (batch == nullptr) return false;
  auto& list = batch->deferred_;
  // A batch hands items to few consumers, often all to one.
  if (std::find(list.begin(), list.end(), waker) == list.end()) list.push_back(waker);
  return true;
}

}  // namespace chimera::util
