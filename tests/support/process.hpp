#pragma once
// Runs the real `chimera` binary for integration tests: one-shot commands, and
// long-running ones such as `chimera sim`, whose output is drained by a thread.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace chimera::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs `chimera ARGS...` to completion (killed after `timeout`).
ProcessResult run_chimera(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::seconds timeout = std::chrono::seconds(300),
                          const std::string& working_dir = "");

// A child process that keeps running while the test talks to it.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {},
               const std::string& working_dir = "");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  // Waits until stdout holds a full line containing `needle`; returns that line.
  std::optional<std::string> wait_for_stdout_line(const std::string& needle,
                                                  std::chrono::milliseconds timeout);
  std::string stdout_text();
  std::string stderr_text();
  void send_signal(int signo);
  // Waits for exit; returns the exit code (128 + signal) or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after a grace period.
  void stop();

 private:
  void reap_if_exited();
  int pid_ = -1;
  std::optional<int> exit_code_;
  std::mutex mutex_;
  std::string out_, err_;
  std::thread out_reader_, err_reader_;
};

// `chimera sim --port 0 ARGS...` on loopback; the port is read from its first line.
class SimProcess {
 public:
  explicit SimProcess(const std::vector<std::string>& extra_args = {});
  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:PORT
  ChildProcess& process() { return *child_; }

 private:
  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
};

std::string chimera_binary();
std::string source_dir();
// The shared corpus next to the repository (../shared), or nullopt when it is
// absent, as on a user's machine. CHIMERA_TEST_SHARED_DIR in the environment
// overrides the location, so the suite can be run as if it were absent.
std::optional<std::string> shared_dir();
// <shared>/data/chimera-artifacts, or nullopt when it is absent.
std::optional<std::string> shared_artifacts_dir();
// The repository's own examples/artifacts: the corpus every run-path test can use.
std::string example_artifacts_dir();
// A fresh temporary directory, removed when the returned object is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace chimera::testing

// Skips the current test when the shared artifacts are absent.
#define CHIMERA_REQUIRE_SHARED_ARTIFACTS(var)                                             \
  auto var##_opt = ::chimera::testing::shared_artifacts_dir();                            \
  if (!var##_opt) GTEST_SKIP() << "../shared/data/chimera-artifacts is absent; skipping"; \
  const std::string var = *var##_opt
