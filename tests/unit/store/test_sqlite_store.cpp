#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
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

// A new SQLite file with one run and one configuration, for the batch tests.
struct OneConfiguration {
  explicit OneConfiguration(const std::string& name) : path(dir.path() + "/" + name) {
    store = open_or_die(path);
    run_id = *store->begin_run({});
    config_id = *store->add_configuration(run_id, {.label = "a"});
  }
  Expected<std::int64_t> record(int i, std::int64_t configuration = 0) {
    return store->record_request(run_id, configuration != 0 ? configuration : config_id,
                                 make_request(i));
  }
  std::string scalar(const std::string& sql) const { return raw_scalar(path, sql); }
  std::string count() const { return scalar("SELECT COUNT(*) FROM requests"); }

  testing::TempDir dir;
  std::string path;
  std::unique_ptr<ResultStore> store;
  std::int64_t run_id = 0;
  std::int64_t config_id = 0;
};

// Group commit: rows recorded in a batch reach the file (another connection
// sees them) at flush() and end_batch(), not before; outside a batch, at once.
TEST(SqliteStore, BatchedRowsAreCommittedAtFlushAndAtTheEnd) {
  OneConfiguration f("batch.sqlite");
  {
    RecordBatch batch(f.store.get());
    ASSERT_TRUE(f.record(0));
    ASSERT_TRUE(f.record(1));
    EXPECT_EQ(f.count(), "0");
    ASSERT_TRUE(batch.flush());
    EXPECT_EQ(f.count(), "2");
    ASSERT_TRUE(batch.flush());  // nothing new: nothing to do
    ASSERT_TRUE(f.record(2));
    EXPECT_EQ(f.count(), "2");
    ASSERT_TRUE(batch.end());
    EXPECT_EQ(f.count(), "3");
  }
  ASSERT_TRUE(f.record(3));
  EXPECT_EQ(f.count(), "4");
  EXPECT_EQ(f.scalar("SELECT MAX(seq) FROM requests"), "4");
}

TEST(SqliteStore, ABatchLeftByAnExceptionIsStillCommitted) {
  OneConfiguration f("unwound.sqlite");
  try {
    RecordBatch batch(f.store.get());
    ASSERT_TRUE(f.record(0));
    throw std::runtime_error("unwinding");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(f.count(), "1");
}

// A row the database refuses (no such configuration) is reported when the
// batch is written, counted; the other rows of the batch are stored.
TEST(SqliteStore, ARefusedRowInABatchIsCountedAndTheRestStored) {
  OneConfiguration f("refused.sqlite");
  RecordBatch batch(f.store.get());
  EXPECT_TRUE(f.record(0, f.config_id + 1000));
  ASSERT_TRUE(f.record(1));
  const auto ended = batch.end();
  ASSERT_FALSE(ended);
  EXPECT_NE(ended.error().message.find("1 of 2 requests were refused"), std::string::npos)
      << ended.error().message;
  EXPECT_EQ(f.count(), "1");
  EXPECT_EQ(f.scalar("SELECT request_key FROM requests"), "req-1");
}

// What must never be ahead of the rows: a configuration marked done, a
// count read back for resume, the run finished, the store closed.
TEST(SqliteStore, PendingRowsAreWrittenBeforeStatusReadsAndClose) {
  OneConfiguration f("ordered.sqlite");
  f.store->begin_batch();
  ASSERT_TRUE(f.record(0));
  EXPECT_EQ(*f.store->request_count(f.config_id), 1u);
  ASSERT_TRUE(f.record(1));
  ASSERT_TRUE(f.store->set_configuration_status(f.config_id, ConfigurationStatus::kDone));
  EXPECT_EQ(f.count(), "2");
  ASSERT_TRUE(f.record(2));
  ASSERT_TRUE(f.store->finish_run(f.run_id, RunStatus::kComplete, ""));
  EXPECT_EQ(f.count(), "3");
  ASSERT_TRUE(f.record(3));
  EXPECT_EQ(f.count(), "3");
  f.store.reset();  // closed inside the batch
  EXPECT_EQ(f.count(), "4");
  EXPECT_EQ(f.scalar("SELECT MAX(seq) FROM requests"), "4");
}

// Processes recording into one file in batches at once (the shards of a
// sweep, each a benchmark flushing as results stream in): none is locked
// out, no row is lost.
TEST(SqliteStore, ProcessesWritingBatchesToOneFileLoseNothing) {
  testing::TempDir dir;
  const auto path = dir.path() + "/shards.sqlite";
  std::int64_t run_id = 0;
  {
    auto store = open_or_die(path);
    run_id = *store->begin_run({});
  }
  constexpr int kProcesses = 4;
  constexpr int kRows = 3000;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = open_store(path);
      if (!store) _exit(2);
      auto config_id = (*store)->add_configuration(run_id, {.label = std::to_string(p)});
      if (!config_id) _exit(3);
      RecordBatch batch(store->get());
      for (int i = 1; i <= kRows; ++i) {
        if (!(*store)->record_request(run_id, *config_id, make_request(i))) _exit(4);
        if (i % 50 == 0 && !batch.flush()) _exit(5);
      }
      _exit(batch.end() ? 0 : 6);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "exit status " << status;
  }
  EXPECT_EQ(raw_scalar(path, "SELECT COUNT(*) FROM requests"), std::to_string(kProcesses * kRows));
  EXPECT_EQ(raw_scalar(path, "SELECT COUNT(DISTINCT configuration_id || '-' || seq) FROM requests"),
            std::to_string(kProcesses * kRows));
}

// Another process holds the write lock past the busy timeout (5 s): the
// flush fails saying the rows are still pending, and the next one, once the
// lock is free, stores them all.
TEST(SqliteStore, RowsOfAFlushThatFoundTheFileLockedArePendingNotLost) {
  OneConfiguration f("locked.sqlite");
  RecordBatch batch(f.store.get());
  ASSERT_TRUE(f.record(0));
  ASSERT_TRUE(f.record(1));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(f.path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto locked = batch.flush();
  ASSERT_FALSE(locked);
  EXPECT_NE(locked.error().message.find("2 requests are not yet stored"), std::string::npos)
      << locked.error().message;
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_TRUE(f.record(2));
  ASSERT_TRUE(batch.end());
  EXPECT_EQ(f.count(), "3");
}

TEST(SqliteStore, ABatchWithoutAStoreDoesNothing) {
  RecordBatch batch(nullptr);
  EXPECT_TRUE(batch.flush());
  EXPECT_TRUE(batch.end());
}

}  // namespace
}  // namespace chimera::store
