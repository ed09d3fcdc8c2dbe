// Runs left `running` by a process that died are marked `abandoned` when a
// store is opened; runs of live processes, other hosts or unknown owners stay.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "chimera/store/store.hpp"
#include "support/process.hpp"

namespace chimera::store {
namespace {

// The owner string of a child process that has exited and been reaped.
std::string dead_owner() {
  int fds[2];
  if (pipe(fds) != 0) return "";
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    const std::string owner = current_process_owner();
    const auto written = write(fds[1], owner.data(), owner.size());
    _exit(written == static_cast<ssize_t>(owner.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string owner;
  char buffer[256];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) owner.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return owner;
}

TEST(StoreAbandoned, OwnerOfThisProcessIsAliveAndAReapedChildIsDead) {
  const std::string me = current_process_owner();
  EXPECT_FALSE(owner_is_dead(me)) << me;
  const std::string gone = dead_owner();
  ASSERT_FALSE(gone.empty());
  EXPECT_TRUE(owner_is_dead(gone)) << gone;
  EXPECT_FALSE(owner_is_dead(""));
  EXPECT_FALSE(owner_is_dead("some-other-host 12345 678"));
  // The pid of this process, but another start time: the pid was reused.
  const auto pid_end = me.rfind(' ');
  EXPECT_TRUE(owner_is_dead(me.substr(0, pid_end) + " 1"));
}

TEST(StoreAbandoned, OpeningMarksOnlyTheDeadProcessesRuns) {
  testing::TempDir dir;
  const auto path = dir.path() + "/runs.sqlite";
  std::int64_t dead = 0, alive = 0, foreign = 0, finished = 0;
  {
    auto store = open_store(path);
    ASSERT_TRUE(store) << store.error().message;
    dead = *(*store)->begin_run({.kind = RunKind::kRun, .owner = dead_owner()});
    alive = *(*store)->begin_run({.kind = RunKind::kRun});  // this process
    foreign = *(*store)->begin_run({.kind = RunKind::kRun, .owner = "elsewhere 42 7"});
    finished = *(*store)->begin_run({.kind = RunKind::kRun, .owner = dead_owner()});
    ASSERT_TRUE((*store)->finish_run(finished, RunStatus::kComplete));
    EXPECT_EQ((*store)->run(alive)->owner, current_process_owner());
  }
  auto store = open_store(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->run(dead)->status, RunStatus::kAbandoned);
  EXPECT_FALSE((*store)->run(dead)->finished_at.empty());
  EXPECT_EQ((*store)->run(alive)->status, RunStatus::kRunning);
  EXPECT_EQ((*store)->run(foreign)->status, RunStatus::kRunning);
  EXPECT_EQ((*store)->run(finished)->status, RunStatus::kComplete);
  // An abandoned sweep can still be resumed.
  EXPECT_EQ(run_status_from_string("abandoned"), RunStatus::kAbandoned);
}

TEST(StoreAbandoned, AnAbandonedRunIsResumable) {
  testing::TempDir dir;
  const auto path = dir.path() + "/sweep.sqlite";
  std::int64_t id = 0;
  {
    auto store = open_store(path);
    ASSERT_TRUE(store);
    id = *(*store)->begin_run({.kind = RunKind::kSweep, .fingerprint = "f", .owner = dead_owner()});
  }
  auto store = open_store(path);
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->run(id)->status, RunStatus::kAbandoned);
  EXPECT_EQ(*(*store)->find_resumable_run(RunKind::kSweep, "f"), id);
}

}  // namespace
}  // namespace chimera::store
