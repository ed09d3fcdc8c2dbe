#include <gtest/gtest.h>

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

TEST(SqliteStore, InMemory) {
  auto store = open_or_die(":memory:");
  const auto run_id = *store->begin_run({});
  EXPECT_EQ(*store->latest_run_id(), run_id);
}

}  // namespace
}  // namespace chimera::store
