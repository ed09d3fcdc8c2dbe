#include "chimera/store/pg_db.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <utility>

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

Expected<Connection> Connection::open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  Connection connection(conn, password_of(conninfo));
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
    : conn_(std::exchange(other.conn_, nullptr)), password_(std::move(other.password_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    password_ = std::move(other.password_);
  }
  return *this;
}

std::unexpected<Failure> Connection::failure(std::string_view what, FailureKind kind) const {
  const std::string detail = conn_ != nullptr ? trimmed(PQerrorMessage(conn_)) : "no connection";
  return fail(kind, scrub(fmt::format("{}: {}", what, detail), password_));
}

void Connection::reconnect_if_broken() {
  // A server restart or network drop leaves the connection bad; the next
  // statement tries a fresh one instead of failing for the rest of the run.
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD) PQreset(conn_);
}

Expected<Result> Connection::checked(PGresult* raw, std::string_view sql) {
  Result result(raw);
  const auto status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const auto kind = PQstatus(conn_) == CONNECTION_BAD ? FailureKind::kConnect : FailureKind::kIo;
  const auto head = sql.substr(0, sql.find_first_of("(\n"));
  return failure(fmt::format("'{}' failed", trimmed(std::string(head))), kind);
}

Expected<void> Connection::exec(const std::string& sql) {
  reconnect_if_broken();
  auto result = checked(PQexec(conn_, sql.c_str()), sql);
  if (!result) return std::unexpected(std::move(result).error());
  return {};
}

Expected<Result> Connection::query(const std::string& sql, const Params& params) {
  reconnect_if_broken();
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
  reconnect_if_broken();
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
    return failure("COPY failed", FailureKind::kConnect);
  }
  // The COPY's outcome, then the end of its results.
  auto result = checked(PQgetResult(conn_), copy_sql);
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (!result) return std::unexpected(std::move(result).error());
  return {};
}

}  // namespace chimera::store::pg
