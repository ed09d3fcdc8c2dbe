#include <gtest/gtest.h>

#include "chimera/sim/scheduler.hpp"

namespace chimera::sim {
namespace {

using namespace std::chrono_literals;
using Clock = Scheduler::Clock;

TEST(SimScheduler, FifoQueueHandsSlotsOverInOrder) {
  Scheduler s(1, 2);
  std::vector<int> woken;
  EXPECT_EQ(s.admit("m", 1, [] {}), Scheduler::Admission::kGranted);
  EXPECT_EQ(s.admit("m", 2, [&] { woken.push_back(2); }), Scheduler::Admission::kQueued);
  EXPECT_EQ(s.admit("m", 3, [&] { woken.push_back(3); }), Scheduler::Admission::kQueued);
  EXPECT_EQ(s.admit("m", 4, [] {}), Scheduler::Admission::kRejected);
  EXPECT_EQ(s.waiting(), 2);
  s.release("m");
  EXPECT_EQ(woken, std::vector<int>{2});
  s.release("m");
  EXPECT_EQ(woken, (std::vector<int>{2, 3}));
  s.release("m");
  EXPECT_EQ(s.admit("m", 5, [] {}), Scheduler::Admission::kGranted);
}

TEST(SimScheduler, ParallelSlotsPerModel) {
  Scheduler s(2, 0);
  EXPECT_EQ(s.admit("a", 1, [] {}), Scheduler::Admission::kGranted);
  EXPECT_EQ(s.admit("a", 2, [] {}), Scheduler::Admission::kGranted);
  EXPECT_EQ(s.admit("a", 3, [] {}), Scheduler::Admission::kRejected);
  EXPECT_EQ(s.admit("b", 4, [] {}), Scheduler::Admission::kGranted);
}

TEST(SimScheduler, LoadOnFirstUseOnOptionChangeAndAfterExpiry) {
  Scheduler s(1, 1);
  const auto t0 = Clock::now();
  auto first = s.begin_use("m", {}, 100ms, t0);
  EXPECT_TRUE(first.reload);
  EXPECT_EQ(first.ready_at, t0 + 100ms);
  s.end_use("m", 300, t0 + 1s);

  auto warm = s.begin_use("m", {}, 100ms, t0 + 2s);
  EXPECT_FALSE(warm.reload);
  s.end_use("m", 300, t0 + 2s);

  auto resized = s.begin_use("m", LoadOptions{2048, std::nullopt}, 100ms, t0 + 3s);
  EXPECT_TRUE(resized.reload);
  s.end_use("m", 5, t0 + 3s);
  EXPECT_EQ(s.loaded(t0 + 4s).size(), 1u);
  EXPECT_TRUE(s.loaded(t0 + 9s).empty());
  EXPECT_TRUE(s.begin_use("m", LoadOptions{2048, std::nullopt}, 100ms, t0 + 9s).reload);
  s.end_use("m", 0, t0 + 10s);  // keep_alive 0 unloads at once
  EXPECT_TRUE(s.loaded(t0 + 10s).empty());
}

TEST(SimScheduler, ConcurrentUsersShareOneLoad) {
  Scheduler s(2, 0);
  const auto t0 = Clock::now();
  auto a = s.begin_use("m", {}, 500ms, t0);
  auto b = s.begin_use("m", {}, 500ms, t0 + 100ms);
  EXPECT_TRUE(a.reload);
  EXPECT_FALSE(b.reload);
  EXPECT_EQ(b.ready_at, t0 + 500ms);  // waits for the load in progress
}

TEST(SimScheduler, UnloadForgetsTheModel) {
  Scheduler s(1, 0);
  const auto t0 = Clock::now();
  s.begin_use("m", {}, 0ms, t0);
  s.end_use("m", -1, t0);
  EXPECT_EQ(s.loaded(t0 + 24h).size(), 1u);  // negative keep_alive: forever
  s.unload("m");
  EXPECT_TRUE(s.loaded(t0).empty());
}

TEST(SimScheduler, DecodingBatchCountsJoinsAndLeaves) {
  Scheduler s(4, 10);
  EXPECT_EQ(s.decoding("m"), 0);
  EXPECT_EQ(s.decode_join("m"), 1);
  EXPECT_EQ(s.decode_join("m"), 2);
  EXPECT_EQ(s.decode_join("other"), 1);
  EXPECT_EQ(s.decoding("m"), 2);
  s.decode_leave("m");
  EXPECT_EQ(s.decoding("m"), 1);
  s.decode_leave("m");
  s.decode_leave("m");  // never below zero
  EXPECT_EQ(s.decoding("m"), 0);
}

TEST(SimScheduler, FirstOfShapeOncePerModelAndBucket) {
  Scheduler s(1, 10);
  EXPECT_TRUE(s.first_of_shape("m", 1));
  EXPECT_FALSE(s.first_of_shape("m", 1));
  EXPECT_TRUE(s.first_of_shape("m", 2));
  EXPECT_TRUE(s.first_of_shape("other", 1));
}

TEST(SimScheduler, FirstStepOfABatchBucketStallsTheEngineOnce) {
  using namespace std::chrono_literals;
  Scheduler s(4, 10);
  const auto t0 = Scheduler::Clock::now();
  // A single request is no batch: nothing is stalled.
  auto alone = s.batch_step("m", 0, t0, 300ms);
  EXPECT_FALSE(alone.first_of_bucket);
  EXPECT_LE(alone.until, t0);
  // The first step at bucket 2 stalls the engine for 300 ms from its start.
  auto first = s.batch_step("m", 2, t0, 300ms);
  EXPECT_TRUE(first.first_of_bucket);
  EXPECT_EQ(first.until, t0 + 300ms);
  // Another request's step 100 ms later sees the same stall, not a new one.
  auto other = s.batch_step("m", 2, t0 + 100ms, 300ms);
  EXPECT_FALSE(other.first_of_bucket);
  EXPECT_EQ(other.until, t0 + 300ms);
  // A new bucket during the stall queues behind it.
  auto four = s.batch_step("m", 4, t0 + 200ms, 300ms);
  EXPECT_TRUE(four.first_of_bucket);
  EXPECT_EQ(four.until, t0 + 600ms);
  // Once per bucket and model, for the scheduler's life.
  EXPECT_FALSE(s.batch_step("m", 2, t0 + 1s, 300ms).first_of_bucket);
  EXPECT_FALSE(s.batch_step("m", 4, t0 + 1s, 300ms).first_of_bucket);
  EXPECT_TRUE(s.batch_step("other", 2, t0 + 1s, 300ms).first_of_bucket);
}

}  // namespace
}  // namespace chimera::sim
