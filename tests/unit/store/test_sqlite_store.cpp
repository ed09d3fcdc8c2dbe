#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store_test_util.hpp"

namespace chimera::store {
namespace {

TEST(SqliteStore, UnopenablePathSaysWhichFile) {
  auto store = open_store("/nonexistent-directory/for/sure/results.sqlite");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(
                "Could not open results store '/nonexistent-directory/for/sure/results.sqlite'"),
            std::string::npos)
      << store.error().message;
}

TEST(SqliteStore, UsesWal) {
  testing::TempDir dir;
  const auto path = dir.path() + "/wal.sqlite";
  { auto store = open_or_die(path); }
  EXPECT_EQ(raw_scalar(path, "PRAGMA journal_mode"), "wal");
}

// The shards of a sweep, separate processes, open one new file at the same
// moment: each must get the store (WAL switch and migrations included), none
// a "database is locked".
TEST(SqliteStore, ProcessesOpeningOneNewFileAtOnceAllSucceed) {
  testing::TempDir dir;
  for (int round = 0; round < 10; ++round) {
    const auto path = dir.path() + "/shared-" + std::to_string(round) + ".sqlite";
    std::vector<pid_t> children;
    for (int i = 0; i < 8; ++i) {
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) _exit(open_store(path) ? 0 : 1);  // the child only opens the store
      children.push_back(pid);
    }
    int failed = 0;
    for (const pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
    EXPECT_EQ(failed, 0) << "round " << round;
    EXPECT_EQ(raw_scalar(path, "PRAGMA journal_mode"), "wal");
  }
}

TEST(SqliteStore, InMemory) {
  auto store = open_or_die(":memory:");
  const auto run_id = *store->begin_run({});
  EXPECT_EQ(*store->latest_run_id(), run_id);
}

}  // namespace
}  // namespace chimera::store
