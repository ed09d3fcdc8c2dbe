#pragma once
// A small RAII layer over libpq: a connection and query results, with errors
// as chimera::Failure instead of status codes. Parameters travel as text
// (libpq converts them to the column types on the server).

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chimera/util/error.hpp"

namespace chimera::store::pg {

// Query parameters $1, $2, ... in the order they were added; nullopt is NULL.
class Params {
 public:
  Params& add(std::int64_t value);
  Params& add(int value) { return add(static_cast<std::int64_t>(value)); }
  Params& add(bool value) { return add(static_cast<std::int64_t>(value ? 1 : 0)); }
  Params& add(double value);
  Params& add(std::string_view text);
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add(const std::string& text) { return add(std::string_view(text)); }
  Params& add_null();
  template <typename T>
  Params& add(const std::optional<T>& value) {
    return value ? add(*value) : add_null();
  }
  // Replaces parameter `index` (0-based).
  Params& set(std::size_t index, std::int64_t value);
  // Appends every parameter of `other` (a row of a multi-row INSERT).
  Params& append(const Params& other);
  std::size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

class Result {
 public:
  Result() = default;
  explicit Result(PGresult* result) : result_(result) {}
  ~Result();
  Result(Result&& other) noexcept;
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int rows() const;
  PGresult* get() const { return result_; }
  PGresult* release() { return std::exchange(result_, nullptr); }
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;

 private:
  PGresult* result_ = nullptr;
};

// What a connection does once it has lost its server (a restart, a network
// drop): every statement first reconnects, waiting `first_delay`, then twice
// as long each time up to `max_delay`, until `limit` has passed since the
// connection was lost; after that (or after a second Ctrl-C) a statement
// makes one attempt and fails at once when it cannot connect.
struct ReconnectPolicy {
  std::chrono::milliseconds limit{30'000};
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{2'000};
};

// Seconds a first connection attempt may take (libpq's connect_timeout),
// unless the conninfo sets its own: a host that never answers does not
// hold a command for ever.
inline constexpr int kConnectTimeoutS = 10;

class Connection {
 public:
  // `conninfo` is a libpq URL or key=value string (libpq's PG* environment
  // variables fill in what it leaves out). Messages never repeat its password.
  static Expected<Connection> open(const std::string& conninfo, ReconnectPolicy policy = {});
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One or more statements without parameters.
  Expected<void> exec(const std::string& sql);
  Expected<Result> query(const std::string& sql, const Params& params = {});
  // COPY ... FROM STDIN of rows [begin, end): one statement, one transaction,
  // and the server's fastest way in.
  Expected<void> copy_rows(const std::string& copy_sql, const std::vector<Params>& rows,
                           std::size_t begin, std::size_t end);
  // Connected, reconnecting first as the policy says when the server was
  // lost. A transaction open at the loss fails (kConnect) once reconnected:
  // its caller starts it again.
  Expected<void> ensure_connected();
  // The server was lost and no reconnection has succeeded since.
  bool lost() const { return outage_since_.has_value(); }

 private:
  using Clock = std::chrono::steady_clock;
  Connection(PGconn* conn, std::string password, ReconnectPolicy policy)
      : conn_(conn), password_(std::move(password)), policy_(policy) {}
  std::unexpected<Failure> failure(std::string_view what, FailureKind kind) const;
  Expected<Result> checked(PGresult* result, std::string_view sql);
  bool reconnect_once();

  PGconn* conn_ = nullptr;
  std::string password_;  // only to scrub it from server messages
  ReconnectPolicy policy_{};
  std::optional<Clock::time_point> outage_since_;  // when the server was lost
  // A transaction was open when last seen: one lost with the server is
  // reported, never continued on the new connection as if it were open.
  bool in_transaction_ = false;
};

}  // namespace chimera::store::pg
