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

}  // namespace
}  // namespace chimera::sim
