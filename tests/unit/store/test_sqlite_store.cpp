#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
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

// Group commit: rows recorded in a batch reach the file (another connection
// sees them) at flush() and end_batch(), not before; outside a batch, at once.
TEST(SqliteStore, BatchedRowsAreCommittedAtFlushAndAtTheEnd) {
  testing::TempDir dir;
  const auto path = dir.path() + "/batch.sqlite";
  auto store = open_or_die(path);
  const auto run_id = *store->begin_run({});
  const auto config_id = *store->add_configuration(run_id, {.label = "a"});
  auto count = [&] { return raw_scalar(path, "SELECT COUNT(*) FROM requests"); };
  {
    RecordBatch batch(store.get());
    ASSERT_TRUE(store->record_request(run_id, config_id, make_request(0)));
    ASSERT_TRUE(store->record_request(run_id, config_id, make_request(1)));
    EXPECT_EQ(count(), "0");
    ASSERT_TRUE(batch.flush());
    EXPECT_EQ(count(), "2");
    ASSERT_TRUE(batch.flush());  // nothing new: nothing to do
    ASSERT_TRUE(store->record_request(run_id, config_id, make_request(2)));
    EXPECT_EQ(count(), "2");
    ASSERT_TRUE(batch.end());
    EXPECT_EQ(count(), "3");
  }
  ASSERT_TRUE(store->record_request(run_id, config_id, make_request(3)));
  EXPECT_EQ(count(), "4");
  EXPECT_EQ(raw_scalar(path, "SELECT MAX(seq) FROM requests"), "4");
}

TEST(SqliteStore, ABatchLeftByAnExceptionIsStillCommitted) {
  testing::TempDir dir;
  const auto path = dir.path() + "/unwound.sqlite";
  auto store = open_or_die(path);
  const auto run_id = *store->begin_run({});
  const auto config_id = *store->add_configuration(run_id, {.label = "a"});
  try {
    RecordBatch batch(store.get());
    ASSERT_TRUE(store->record_request(run_id, config_id, make_request(0)));
    throw std::runtime_error("unwinding");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(raw_scalar(path, "SELECT COUNT(*) FROM requests"), "1");
}

// A row the database refuses (no such configuration) while opening the
// batch's transaction leaves no transaction behind: the next rows commit.
TEST(SqliteStore, ARefusedFirstRowInABatchDoesNotBlockTheRest) {
  testing::TempDir dir;
  const auto path = dir.path() + "/refused.sqlite";
  auto store = open_or_die(path);
  const auto run_id = *store->begin_run({});
  const auto config_id = *store->add_configuration(run_id, {.label = "a"});
  RecordBatch batch(store.get());
  EXPECT_FALSE(store->record_request(run_id, config_id + 1000, make_request(0)));
  ASSERT_TRUE(store->record_request(run_id, config_id, make_request(1)));
  ASSERT_TRUE(batch.end());
  EXPECT_EQ(raw_scalar(path, "SELECT COUNT(*) FROM requests"), "1");
  EXPECT_EQ(raw_scalar(path, "SELECT request_key FROM requests"), "req-1");
}

TEST(SqliteStore, ABatchWithoutAStoreDoesNothing) {
  RecordBatch batch(nullptr);
  EXPECT_TRUE(batch.flush());
  EXPECT_TRUE(batch.end());
}

}  // namespace
}  // namespace chimera::store
