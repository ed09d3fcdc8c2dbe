#include "support/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace chimera::testing {
namespace {

namespace fs = std::filesystem;

struct Identity {
  bool drop = false;  // run children as uid/gid instead of ourselves
  uid_t uid = 0;
  gid_t gid = 0;
};

Identity server_identity() {
  if (geteuid() != 0) return {};
  const passwd* pw = getpwnam("nobody");
  if (pw == nullptr) return {true, 65534, 65534};
  return {true, pw->pw_uid, pw->pw_gid};
}

// Runs argv[0] with its output appended to `log`, as `who`, in its own
// process group (a Ctrl-C aimed at the tests does not reach it first).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, const Identity& who,
            const std::string& cwd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int in = open("/dev/null", O_RDONLY);
  if (out < 0 || in < 0) _exit(126);
  dup2(in, 0);
  dup2(out, 1);
  dup2(out, 2);
  if (who.drop && (setgroups(0, nullptr) != 0 || setgid(who.gid) != 0 || setuid(who.uid) != 0)) {
    _exit(125);
  }
  if (chdir(cwd.c_str()) != 0) _exit(124);
  execv(args[0], args.data());
  _exit(127);
}

int run(const std::vector<std::string>& argv, const std::string& log, const Identity& who,
        const std::string& cwd) {
  const pid_t pid = spawn(argv, log, who, cwd);
  if (pid < 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Forked before anything else can go wrong. Reads the server's pid ('P' and
// the pid) and "stopped and reaped" ('S') from the pipe; at end of file (stop(),
// or the test process died) it shuts down a server that is still running and
// removes the directory. Only async-signal-safe calls after fork.
pid_t start_watchdog(int read_fd, int write_fd, const std::string& dir) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  close(write_fd);
  setpgid(0, 0);
  pid_t server = -1;
  bool stopped = false;
  char command = 0;
  while (read(read_fd, &command, 1) == 1) {
    if (command == 'S') stopped = true;
    if (command == 'P') {
      stopped = false;
      if (read(read_fd, &server, sizeof server) != sizeof server) server = -1;
    }
  }
  if (server > 0 && !stopped) {
    kill(server, SIGQUIT);  // immediate shutdown
    for (int i = 0; i < 100 && kill(server, 0) == 0; ++i) usleep(50'000);
    kill(server, SIGKILL);
    usleep(100'000);
  }
  execl("/bin/rm", "rm", "-rf", dir.c_str(), static_cast<char*>(nullptr));
  _exit(127);
}

std::string tail(const std::string& text, std::size_t n = 1500) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

bool wait_until_ready(const std::string& bin, int port, pid_t server, const std::string& log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(server, &status, WNOHANG) == server) return false;
    if (run({bin + "/pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port), "-U",
             "chimera", "-d", "postgres"},
            log, {}, "/") == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class SharedServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override;
};

std::unique_ptr<PostgresServer>& shared_slot() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}

std::string& shared_error() {
  static std::string error;
  return error;
}

void SharedServerEnvironment::TearDown() {
  shared_slot().reset();
}

}  // namespace

std::string PostgresServer::find_binaries() {
  if (const char* env = std::getenv("CHIMERA_PG_BIN"); env != nullptr && *env != '\0') {
    return fs::exists(fs::path(env) / "initdb") ? env : "";
  }
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version && fs::exists(entry.path() / "bin" / "initdb") &&
        fs::exists(entry.path() / "bin" / "postgres")) {
      best_version = version;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

std::unique_ptr<PostgresServer> PostgresServer::start(const PostgresOptions& options,
                                                      std::string* error) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_ = find_binaries();
  if (server->bin_.empty()) {
    *error = "no PostgreSQL binaries found (set CHIMERA_PG_BIN or install postgresql)";
    return nullptr;
  }
  if (!server->launch(options, error)) return nullptr;
  return server;
}

PostgresServer* PostgresServer::shared() {
  static const bool started = [] {
    ::testing::AddGlobalTestEnvironment(new SharedServerEnvironment());
    shared_slot() = start({}, &shared_error());
    return true;
  }();
  (void)started;
  return shared_slot().get();
}

const std::string& PostgresServer::shared_failure() {
  return shared_error();
}

bool PostgresServer::launch(const PostgresOptions& options, std::string* error) {
  char pattern[] = "/tmp/chimera-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    *error = "mkdtemp failed";
    return false;
  }
  dir_ = pattern;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    fs::remove_all(dir_);
    return false;
  }
  watchdog_pid_ = start_watchdog(fds[0], fds[1], dir_);
  close(fds[0]);
  watchdog_fd_ = fds[1];

  const Identity who = server_identity();
  if (who.drop && chown(dir_.c_str(), who.uid, who.gid) != 0) {
    *error = "could not hand " + dir_ + " to the unprivileged user";
    return false;
  }
  const std::string data = dir_ + "/data";
  if (run({bin_ + "/initdb", "-D", data, "-U", "chimera", "-A", "trust", "-E", "UTF8", "--locale=C",
           "--no-sync"},
          dir_ + "/initdb.log", who, dir_) != 0) {
    *error = "initdb failed:\n" + tail(read_file(dir_ + "/initdb.log"));
    return false;
  }
  settings_ = {"-c", "listen_addresses=127.0.0.1", "-k", dir_};
  if (!options.durable) {
    settings_.insert(settings_.end(), {"-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                                       "full_page_writes=off"});
  }
  // A port found free can be taken before the server binds it: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_loopback_port();
    if (start_server(error)) return true;
  }
  return false;
}

bool PostgresServer::start_server(std::string* error) {
  std::vector<std::string> argv = {bin_ + "/postgres", "-D", dir_ + "/data", "-p",
                                   std::to_string(port_)};
  argv.insert(argv.end(), settings_.begin(), settings_.end());
  const std::string log = dir_ + "/server.log";
  server_pid_ = spawn(argv, log, server_identity(), dir_);
  if (server_pid_ > 0) {
    char message[1 + sizeof(pid_t)] = {'P'};
    std::memcpy(message + 1, &server_pid_, sizeof(pid_t));
    (void)!write(watchdog_fd_, message, sizeof message);
  }
  if (server_pid_ > 0 && wait_until_ready(bin_, port_, server_pid_, dir_ + "/client.log")) {
    return true;
  }
  stop_server();
  *error = "postgres did not start:\n" + tail(read_file(log));
  return false;
}

void PostgresServer::kill_hard() {
  if (server_pid_ <= 0) return;
  kill(-server_pid_, SIGKILL);  // spawn() made the server a process-group leader
  int status = 0;
  waitpid(server_pid_, &status, 0);
  // Backends are the postmaster's children, not ours: wait until the group is gone.
  for (int i = 0; i < 200 && kill(-server_pid_, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_pid_ = -1;
  if (watchdog_fd_ >= 0) (void)!write(watchdog_fd_, "S", 1);
}

bool PostgresServer::restart(std::string* error) {
  if (server_pid_ > 0) return true;
  // The old shared memory can outlive the kill for a moment: try a few times.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (start_server(error)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

void PostgresServer::stop_server() {
  if (server_pid_ <= 0) return;
  kill(server_pid_, SIGINT);  // fast shutdown: disconnect clients, checkpoint, exit
  int status = 0;
  bool reaped = false;
  for (int i = 0; i < 200 && !reaped; ++i) {
    reaped = waitpid(server_pid_, &status, WNOHANG) == server_pid_;
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!reaped) {
    kill(server_pid_, SIGKILL);
    waitpid(server_pid_, &status, 0);
  }
  server_pid_ = -1;
  if (watchdog_fd_ >= 0) (void)!write(watchdog_fd_, "S", 1);
}

void PostgresServer::stop() {
  stop_server();
  if (watchdog_fd_ >= 0) {
    close(watchdog_fd_);
    watchdog_fd_ = -1;
  }
  if (watchdog_pid_ > 0) {
    int status = 0;
    waitpid(watchdog_pid_, &status, 0);
    watchdog_pid_ = -1;
  }
}

PostgresServer::~PostgresServer() {
  stop();
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://chimera@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database(std::string* error) {
  const std::string name =
      "chimera_test_" + std::to_string(getpid()) + "_" + std::to_string(++databases_);
  const std::string log = dir_ + "/createdb.log";
  if (run({bin_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "chimera",
           name},
          log, {}, "/") != 0) {
    if (error != nullptr) *error = "createdb failed:\n" + tail(read_file(log));
    return "";
  }
  return url(name);
}

}  // namespace chimera::testing
