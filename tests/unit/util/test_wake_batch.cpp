// Wake-ups inside a batch are deferred and merged; outside one they are not.

#include <gtest/gtest.h>

#include "chimera/util/wake_batch.hpp"

namespace chimera::util {
namespace {

struct CountingWaker final : Waker {
  int wakes = 0;
  void wake() override { ++wakes; }
};

TEST(WakeBatch, OutsideABatchNothingIsDeferred) {
  auto waker = std::make_shared<CountingWaker>();
  EXPECT_FALSE(WakeBatch::defer(waker));
  EXPECT_EQ(waker->wakes, 0);
}

TEST(WakeBatch, EachWakerIsWokenOnceWhenTheBatchEnds) {
  auto a = std::make_shared<CountingWaker>();
  auto b = std::make_shared<CountingWaker>();
  {
    WakeBatch batch;
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(WakeBatch::defer(a));
    EXPECT_TRUE(WakeBatch::defer(b));
    EXPECT_EQ(a->wakes, 0);
  }
  EXPECT_EQ(a->wakes, 1);
  EXPECT_EQ(b->wakes, 1);
  EXPECT_FALSE(WakeBatch::defer(a));  // the batch is over
}

// A waker that counts into a number outside itself.
struct ExternalCounter final : Waker {
  explicit ExternalCounter(int& count) : count_(count) {}
  void wake() override { ++count_; }
  int& count_;
};

TEST(WakeBatch, ABatchKeepsItsWakersAlive) {
  int wakes = 0;
  std::weak_ptr<Waker> seen;
  {
    WakeBatch batch;
    auto waker = std::make_shared<ExternalCounter>(wakes);
    seen = waker;
    WakeBatch::defer(waker);
  }  // `waker` went out of scope before the batch ended; the batch held it
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(seen.expired());
}

TEST(WakeBatch, NestedBatchesWakeAtTheirOwnEnd) {
  auto waker = std::make_shared<CountingWaker>();
  WakeBatch outer;
  {
    WakeBatch inner;
    WakeBatch::defer(waker);
  }
  EXPECT_EQ(waker->wakes, 1);
}

}  // namespace
}  // namespace chimera::util
