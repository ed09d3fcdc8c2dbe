#pragma once
// A throwaway PostgreSQL server for tests and benchmarks: initdb in a fresh
// temporary directory, `postgres` on a free loopback port with its socket in
// that directory, trust authentication for the superuser "chimera". The
// server and its directory go away when the object is destroyed, and also
// when the test process dies without destroying it (a watchdog process
// notices the closed pipe and shuts the server down).
//
// PostgreSQL refuses to run as root, so under root (as in CI containers) the
// server runs as the unprivileged user `nobody`.

#include <memory>
#include <string>
#include <vector>

namespace chimera::testing {

struct PostgresOptions {
  // false: fsync off, for fast tests; true: the server's durable defaults.
  bool durable = false;
};

class PostgresServer {
 public:
  // The directory holding initdb and postgres: $CHIMERA_PG_BIN, else the
  // newest /usr/lib/postgresql/N/bin; empty when there is none.
  static std::string find_binaries();
  // Starts a server; nullptr with `*error` set when that failed.
  static std::unique_ptr<PostgresServer> start(const PostgresOptions& options, std::string* error);
  // One server per test binary, started on first use and stopped after the
  // last test (a GoogleTest global environment). nullptr when it could not
  // start; shared_failure() says why.
  static PostgresServer* shared();
  static const std::string& shared_failure();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // postgresql://chimera@127.0.0.1:PORT/DATABASE
  std::string url(const std::string& database) const;
  // Creates a new, empty database with a unique name; returns its URL, or an
  // empty string (and `*error`) on failure.
  std::string create_database(std::string* error = nullptr);
  // Fast shutdown; idempotent.
  void stop();
  // SIGKILL to the server and every backend (its process group) at once, as
  // a crash would; the data directory stays.
  void kill_hard();
  // Starts the server again on the same port and data directory (crash
  // recovery included); false with `*error` when it did not come up.
  bool restart(std::string* error);

 private:
  PostgresServer() = default;
  bool launch(const PostgresOptions& options, std::string* error);
  bool start_server(std::string* error);
  void stop_server();

  std::string bin_, dir_;
  std::vector<std::string> settings_;
  int port_ = 0;
  int server_pid_ = -1;
  int watchdog_pid_ = -1;
  int watchdog_fd_ = -1;  // write end of the watchdog's pipe
  int databases_ = 0;
};

}  // namespace chimera::testing

// Skips the test when this machine has no PostgreSQL binaries; fails it when
// they exist but the server did not start.
#define CHIMERA_REQUIRE_POSTGRES(var)                                                  \
  auto* var = ::chimera::testing::PostgresServer::shared();                            \
  if (var == nullptr && ::chimera::testing::PostgresServer::find_binaries().empty()) { \
    GTEST_SKIP() << "no PostgreSQL binaries (install Debian's postgresql); skipping";  \
  }                                                                                    \
  ASSERT_NE(var, nullptr) << ::chimera::testing::PostgresServer::shared_failure()
