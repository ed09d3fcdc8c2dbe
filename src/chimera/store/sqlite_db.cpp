#include "chimera/store/sqlite_db.hpp"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <utility>

#include "chimera/util/file_error.hpp"

namespace chimera::store::sqlite {
namespace {

// Why a write to the database's files failed, when SQLite kept no errno for
// it (it reads errno only after its own clean-up, which may have reset it):
// ENOSPC when its file system has no block left, EFBIG when one of its files
// reached the process's file size limit (RLIMIT_FSIZE); 0 when neither.
int probable_write_errno(sqlite3* db) {
  const char* name = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  if (name == nullptr || *name == '\0') return 0;  // an in-memory database
  namespace fs = std::filesystem;
  const fs::path file(name);
  struct statvfs space {};
  if (statvfs(file.parent_path().c_str(), &space) == 0 && space.f_bavail == 0) return ENOSPC;
  struct rlimit limit {};
  if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  // A write past the limit is cut at it: the file ends within a page or two of it.
  constexpr std::uintmax_t kSlack = 2 * 65536;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    std::error_code ec;
    const auto size = fs::file_size(file.string() + suffix, ec);
    if (!ec && size + kSlack >= limit.rlim_cur) return EFBIG;
  }
  return 0;
}

// "SQLite: TEXT", or the system's reason first when a write to the file
// failed ("disk full (No space left on device) (SQLite: database or disk is
// full)").
std::string detail_of(sqlite3* db, int code, const char* text) {
  const int primary = code & 0xff;
  int system = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (primary == SQLITE_IOERR && system == 0) system = probable_write_errno(db);
  if (primary == SQLITE_IOERR && system != 0) {
    return write_error_text(system) + " (SQLite: " + text + ")";
  }
  // SQLite reports a write that found no room as SQLITE_FULL and keeps no
  // errno for it.
  if (primary == SQLITE_FULL) return write_error_text(ENOSPC) + " (SQLite: " + text + ")";
  return std::string("SQLite: ") + text;
}

std::unexpected<Failure> failure_from(sqlite3* db, int code, std::string_view what) {
  const char* text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string detail = detail_of(db, code, text);
  if (detail.starts_with("SQLite: ")) detail = text;  // `what` already says SQLite
  // BUSY and LOCKED mean another process held the database past the busy
  // timeout: a time limit, not a broken file.
  const int primary = code & 0xff;
  const auto kind = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? FailureKind::kTimeout
                                                                         : FailureKind::kIo;
  return fail(kind, std::string(what) + ": " + detail);
}

}  // namespace

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Expected<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return failure_from(db_, rc, "SQLite statement failed");
}

Expected<void> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) {
      reset();
      return std::unexpected(row.error());
    }
    if (!*row) break;
  }
  reset();
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::optional<double> Statement::column_optional_double(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_double(column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

Expected<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto failure = failure_from(db, rc, "Could not open results store '" + path + "'");
    sqlite3_close(db);
    return failure;
  }
  return Database(db);
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close(db_);
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Expected<void> Database::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = detail_of(db_, rc, message != nullptr ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return fail(FailureKind::kIo, detail);
  }
  return {};
}

bool Database::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

Expected<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return failure_from(db_, rc, "SQLite could not prepare a statement");
  return Statement(db_, stmt);
}

std::int64_t Database::last_insert_id() const {
  return sqlite3_last_insert_rowid(db_);
}

}  // namespace chimera::store::sqlite
