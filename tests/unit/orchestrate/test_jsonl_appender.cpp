// JsonlAppender on a file that cannot grow: a forked child with a small
// RLIMIT_FSIZE (SIGXFSZ ignored, so a write past it fails with EFBIG, as a
// full disk fails with ENOSPC) appends records until one fails; the file
// then ends with the last complete record.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "chimera/orchestrate/common/jsonl_appender.hpp"
#include "support/process.hpp"

namespace chimera::orchestrate {
namespace {

std::string record(int i) {
  return "{\"id\":\"r" + std::to_string(i) + "\",\"pad\":\"" + std::string(100, 'x') + "\"}";
}

TEST(JsonlAppender, AFailedAppendIsCutBackToTheLastCompleteRecord) {
  testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "requests.jsonl";
  constexpr rlim_t kLimit = 1000;  // room for 8 lines of 121 bytes and part of a 9th
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{kLimit, kLimit};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(10);
    JsonlAppender out(path);
    for (int i = 0; i < 100; ++i) {
      auto appended = out.append(record(i));
      if (!appended) {
        const auto& message = appended.error().message;
        const bool said = message.find("File too large") != std::string::npos &&
                          message.find("requests.jsonl") != std::string::npos &&
                          message.find("cut back") != std::string::npos;
        _exit(said ? i : 11);
      }
    }
    _exit(12);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  const int failed_at = WEXITSTATUS(status);
  // Each line is record(i) and a newline: 121 bytes for i < 10; the 9th passes 1000.
  const auto line = record(0).size() + 1;
  ASSERT_EQ(failed_at, static_cast<int>(kLimit / line)) << "exit " << failed_at;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string expected;
  for (int i = 0; i < failed_at; ++i) expected += record(i) + "\n";
  EXPECT_EQ(text.str(), expected);
}

}  // namespace
}  // namespace chimera::orchestrate
