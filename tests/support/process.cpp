#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>

namespace chimera::testing {
namespace fs = std::filesystem;
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void read_all(int fd, std::mutex& mutex, std::string& sink) {
  char buffer[8192];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      std::lock_guard lock(mutex);
      sink.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fd);
}

}  // namespace

std::string chimera_binary() {
  return CHIMERA_BINARY;
}
std::string source_dir() {
  return CHIMERA_SOURCE_DIR;
}

std::optional<std::string> shared_dir() {
  const char* override_dir = std::getenv("CHIMERA_TEST_SHARED_DIR");
  const fs::path dir =
      override_dir != nullptr ? fs::path(override_dir) : fs::path(CHIMERA_SHARED_DIR);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return fs::canonical(dir, ec).string();
  return std::nullopt;
}

std::optional<std::string> shared_artifacts_dir() {
  const auto shared = shared_dir();
  if (!shared) return std::nullopt;
  const fs::path dir = fs::path(*shared) / "data" / "chimera-artifacts";
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return fs::canonical(dir, ec).string();
  return std::nullopt;
}

std::string example_artifacts_dir() {
  return source_dir() + "/examples/artifacts";
}

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env,
                           const std::string& working_dir) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> argv_storage{program};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(126);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_reader_ = std::thread([this, fd = out_pipe[0]] { read_all(fd, mutex_, out_); });
  err_reader_ = std::thread([this, fd = err_pipe[0]] { read_all(fd, mutex_, err_); });
}

ChildProcess::~ChildProcess() {
  stop();
  if (out_reader_.joinable()) out_reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
}

std::optional<std::string> ChildProcess::wait_for_stdout_line(const std::string& needle,
                                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex_);
      std::size_t start = 0;
      for (std::size_t nl = out_.find('\n'); nl != std::string::npos;
           start = nl + 1, nl = out_.find('\n', start)) {
        std::string line = out_.substr(start, nl - start);
        if (line.find(needle) != std::string::npos) return line;
      }
    }
    reap_if_exited();
    if (exit_code_) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string ChildProcess::stdout_text() {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string ChildProcess::stderr_text() {
  std::lock_guard lock(mutex_);
  return err_;
}

void ChildProcess::send_signal(int signo) {
  if (pid_ > 0 && !exit_code_) kill(pid_, signo);
}

void ChildProcess::reap_if_exited() {
  if (pid_ <= 0 || exit_code_) return;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) exit_code_ = decode_status(status);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    reap_if_exited();
    if (exit_code_) {
      if (out_reader_.joinable()) out_reader_.join();
      if (err_reader_.joinable()) err_reader_.join();
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ChildProcess::stop() {
  if (pid_ <= 0) return;
  reap_if_exited();
  if (exit_code_) return;
  kill(pid_, SIGTERM);
  if (!wait(std::chrono::seconds(5))) {
    kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
}

ProcessResult run_chimera(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          std::chrono::seconds timeout, const std::string& working_dir) {
  ChildProcess child(chimera_binary(), args, env, working_dir);
  ProcessResult result;
  auto code = child.wait(timeout);
  if (!code) {
    child.send_signal(SIGKILL);
    code = child.wait(std::chrono::seconds(10));
  }
  result.exit_code = code.value_or(-1);
  result.out = child.stdout_text();
  result.err = child.stderr_text();
  return result;
}

SimProcess::SimProcess(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"sim", "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  child_ = std::make_unique<ChildProcess>(chimera_binary(), args);
  auto line = child_->wait_for_stdout_line("listening on", std::chrono::seconds(30));
  if (!line) {
    throw std::runtime_error("chimera sim did not start: " + child_->stderr_text());
  }
  std::smatch match;
  static const std::regex port_re(R"(http://[^\s:]+:(\d+))");
  if (!std::regex_search(*line, match, port_re)) {
    throw std::runtime_error("chimera sim printed no port: " + *line);
  }
  port_ = std::stoi(match[1].str());
}

std::string SimProcess::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "chimera-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace chimera::testing
