#include "chimera/store/pg_db.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <utility>

#include "chimera/util/signals.hpp"

namespace chimera::store::pg {
namespace {

// The password a conninfo string carries, or PGPASSWORD's, so that no message
// built from a server or libpq error can repeat it.
std::string password_of(const std::string& conninfo) {
  std::string password;
  char* error = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error)) {
    for (auto* o = options; o->keyword != nullptr; ++o) {
      if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
    }
    PQconninfoFree(options);
  }
  if (error != nullptr) PQfreemem(error);
  if (password.empty()) {
    if (const char* env = std::getenv("PGPASSWORD")) password = env;
  }
  return password;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

Params& Params::add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

Params& Params::add(double value) {
  values_.emplace_back(fmt::format("{}", value));
  return *this;
}

Params& Params::add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return *this;
}

Params& Params::add_null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

Params& Params::set(std::size_t index, std::int64_t value) {
  values_.at(index) = std::to_string(value);
  return *this;
}

Params& Params::append(const Params& other) {
  values_.insert(values_.end(), other.values_.begin(), other.values_.end());
  return *this;
}

Result::~Result() {
  if (result_ != nullptr) PQclear(result_);
}

Result::Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int Result::rows() const {
  return result_ != nullptr ? PQntuples(result_) : 0;
}

bool Result::is_null(int row, int column) const {
  return PQgetisnull(result_, row, column) != 0;
}

std::string Result::text(int row, int column) const {
  if (is_null(row, column)) return {};
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t Result::int64(int row, int column) const {
  if (is_null(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

Expected<Connection> Connection::open(const std::string& conninfo, ReconnectPolicy policy) {
  // connect_timeout first: a value in the conninfo itself (expanded from
  // "dbname") overrides it.
  const std::string timeout = std::to_string(kConnectTimeoutS);
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 1);
  Connection connection(conn, password_of(conninfo), policy);
  if (conn == nullptr) return fail(FailureKind::kConnect, "out of memory creating a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    return connection.failure("could not connect", FailureKind::kConnect);
  }
  // Notices (e.g. "relation already exists, skipping") are not for the user.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return connection;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Connection::Connection(Connection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      password_(std::move(other.password_)),
      policy_(other.policy_),
      outage_since_(other.outage_since_),
      in_transaction_(other.in_transaction_) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    password_ = std::move(other.password_);
    policy_ = other.policy_;
    outage_since_ = other.outage_since_;
    in_transaction_ = other.in_transaction_;
  }
  return *this;
}

std::unexpected<Failure> Connection::failure(std::string_view what, FailureKind kind) const {
  const std::string detail = conn_ != nullptr ? trimmed(PQerrorMessage(conn_)) : "no connection";
  return fail(kind, scrub(fmt::format("{}: {}", what, detail), password_));
}

bool Connection::reconnect_once() {
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  outage_since_.reset();
  return true;
}

namespace {

bool open_transaction(PGconn* conn) {
  const auto status = PQtransactionStatus(conn);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

}  // namespace

Expected<void> Connection::ensure_connected() {
  if (conn_ == nullptr) return fail(FailureKind::kConnect, "no connection");
  if (PQstatus(conn_) == CONNECTION_OK) {
    outage_since_.reset();
    return {};
  }
  // A server restart or network drop leaves the connection bad: reconnect
  // with growing pauses until the limit, counted from the loss.
  if (!outage_since_) outage_since_ = Clock::now();
  const auto give_up = *outage_since_ + policy_.limit;
  auto pause = policy_.first_delay;
  for (;;) {
    if (reconnect_once()) {
      if (!std::exchange(in_transaction_, false)) return {};
      return fail(FailureKind::kConnect,
                  "the connection to the database was lost inside a transaction, which the "
                  "server rolled back; reconnected");
    }
    const auto left = give_up - Clock::now();
    if (left <= Clock::duration::zero() || signals::hurried()) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, left));
    pause = std::min(pause * 2, policy_.max_delay);
  }
  const double waited = std::chrono::duration<double>(Clock::now() - *outage_since_).count();
  return failure(fmt::format("the connection to the database was lost {:.1f} s ago and could not "
                             "be made again within the {:.1f} s reconnect limit",
                             waited, std::chrono::duration<double>(policy_.limit).count()),
                 FailureKind::kConnect);
}

Expected<Result> Connection::checked(PGresult* raw, std::string_view sql) {
  Result result(raw);
  const bool lost = PQstatus(conn_) == CONNECTION_BAD;
  if (!lost) in_transaction_ = open_transaction(conn_);
  const auto status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  if (lost && !outage_since_) outage_since_ = Clock::now();
  const auto kind = lost ? FailureKind::kConnect : FailureKind::kIo;
  const auto head = sql.substr(0, sql.find_first_of("(\n"));
  return failure(fmt::format("'{}' failed", trimmed(std::string(head))), kind);
}

Expected<void> Connection::exec(const std::string& sql) {
  CHIMERA_TRY(connected, ensure_connected());
  auto result = checked(PQexec(conn_, sql.c_str()), sql);
  if (!result) return std::unexpected(std::move(result).error());
  return {};
}

Expected<Result> Connection::query(const std::string& sql, const Params& params) {
  CHIMERA_TRY(connected, ensure_connected());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  return checked(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0),
                 sql);
}

namespace {

// COPY's text format: tab-separated, \N for NULL, backslash escapes.
void append_copy_field(std::string& out, const std::optional<std::string>& value) {
  if (!value) {
    out += "\\N";
    return;
  }
  for (const char c : *value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

Expected<void> Connection::copy_rows(const std::string& copy_sql, const std::vector<Params>& rows,
                                     std::size_t begin, std::size_t end) {
  CHIMERA_TRY(connected, ensure_connected());
  Result started(PQexec(conn_, copy_sql.c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
    auto failed = checked(started.release(), copy_sql);
    if (!failed) return std::unexpected(std::move(failed).error());
    return fail(FailureKind::kIo, "COPY did not start");
  }
  std::string data;
  for (auto row = begin; row < end; ++row) {
    const auto& values = rows[row].values();
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) data += '\t';
      append_copy_field(data, values[i]);
    }
    data += '\n';
  }
  const bool sent = PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) == 1;
  if (PQputCopyEnd(conn_, sent ? nullptr : "could not send the rows") != 1) {
    if (!outage_since_) outage_since_ = Clock::now();
    return failure("COPY failed", FailureKind::kConnect);
  }
  // The COPY's outcome, then the end of its results.
  auto result = checked(PQgetResult(conn_), copy_sql);
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (!result) return std::unexpected(std::move(result).error());
  return {};
}

}  // namespace chimera::store::pg
