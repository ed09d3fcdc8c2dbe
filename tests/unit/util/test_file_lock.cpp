#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "chimera/util/file_lock.hpp"
#include "support/process.hpp"

namespace chimera {
namespace {
namespace fs = std::filesystem;

std::string host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// flock() locks belong to an open file: a second open in the same process
// contends like another process would.
TEST(FileLock, ASecondOwnerIsRefusedWithTheFirstOnesPidAndHost) {
  testing::TempDir dir;
  const fs::path path = fs::path(dir.path()) / "x.lock";
  auto first = FileLock::try_acquire(path);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->publish());
  std::ifstream in(path);
  long pid = 0;
  std::string written_host;
  in >> pid >> written_host;
  EXPECT_EQ(pid, static_cast<long>(getpid()));
  EXPECT_EQ(written_host, host());

  auto second = FileLock::try_acquire(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, FailureKind::kInvalidInput);
  EXPECT_NE(
      second.error().message.find(fmt::format("process {} on host {}, since ", getpid(), host())),
      std::string::npos)
      << second.error().message;

  // Released: the file goes with it, and the next owner gets the lock.
  first->release();
  EXPECT_FALSE(first->held());
  EXPECT_FALSE(fs::exists(path));
  auto third = FileLock::try_acquire(path);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_TRUE(third->held());
}

TEST(FileLock, AnOwnerThatHasNotWrittenItsPidYetIsSaidToBeStarting) {
  testing::TempDir dir;
  const fs::path path = fs::path(dir.path()) / "x.lock";
  auto first = FileLock::try_acquire(path);
  ASSERT_TRUE(first) << first.error().message;
  auto second = FileLock::try_acquire(path);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("still starting"), std::string::npos)
      << second.error().message;
  // Never published: the file stays when released (it was not this owner's to remove).
  first->release();
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(FileLock::try_acquire(path));
}

TEST(FileLock, AMissingDirectoryIsAnIoFailureNamingThePath) {
  testing::TempDir dir;
  const fs::path path = fs::path(dir.path()) / "absent" / "x.lock";
  auto lock = FileLock::try_acquire(path);
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().kind, FailureKind::kIo);
  EXPECT_NE(lock.error().message.find(path.string()), std::string::npos) << lock.error().message;
}

}  // namespace
}  // namespace chimera
