#include "chimera/store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <regex>

#include "chimera/store/postgres_store.hpp"
#include "chimera/store/sqlite_store.hpp"

namespace chimera::store {

const char* to_string(RunKind kind) {
  switch (kind) {
    case RunKind::kBench:
      return "bench";
    case RunKind::kSweep:
      return "sweep";
    case RunKind::kRun:
      return "run";
    case RunKind::kCompare:
      return "compare";
  }
  return "bench";
}

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kComplete:
      return "complete";
    case RunStatus::kInterrupted:
      return "interrupted";
    case RunStatus::kFailed:
      return "failed";
  }
  return "failed";
}

const char* to_string(ConfigurationStatus status) {
  switch (status) {
    case ConfigurationStatus::kPending:
      return "pending";
    case ConfigurationStatus::kRunning:
      return "running";
    case ConfigurationStatus::kDone:
      return "done";
  }
  return "pending";
}

std::optional<RunKind> run_kind_from_string(std::string_view text) {
  for (auto kind : {RunKind::kBench, RunKind::kSweep, RunKind::kRun, RunKind::kCompare}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::optional<RunStatus> run_status_from_string(std::string_view text) {
  for (auto status :
       {RunStatus::kRunning, RunStatus::kComplete, RunStatus::kInterrupted, RunStatus::kFailed}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

std::optional<ConfigurationStatus> configuration_status_from_string(std::string_view text) {
  for (auto status :
       {ConfigurationStatus::kPending, ConfigurationStatus::kRunning, ConfigurationStatus::kDone}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

Expected<StoreLocation> parse_store_url(const std::string& url) {
  if (url.empty()) return fail(FailureKind::kInvalidInput, "the --store URL is empty");
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return StoreLocation{StoreLocation::Kind::kPostgresql, url};
  }
  if (url.starts_with("sqlite:")) {
    std::string path = url.substr(7);
    if (path.starts_with("//")) path = path.substr(2);
    if (path.empty()) {
      return fail(
          FailureKind::kInvalidInput,
          fmt::format("'{}' names no file; write sqlite:///abs/path or sqlite:relative", url));
    }
    return StoreLocation{StoreLocation::Kind::kSqlite, path};
  }
  if (const auto scheme_end = url.find("://"); scheme_end != std::string::npos) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("unknown store URL scheme '{}' in '{}'; use a file path, "
                            "sqlite:///abs/path or postgresql://...",
                            url.substr(0, scheme_end), url));
  }
  return StoreLocation{StoreLocation::Kind::kSqlite, url};
}

Expected<std::unique_ptr<ResultStore>> open_store(const std::string& url) {
  auto location = parse_store_url(url);
  if (!location) return std::unexpected(location.error());
  if (location->kind == StoreLocation::Kind::kPostgresql) {
    return open_postgresql_store(location->target);
  }
  return open_sqlite_store(location->target);
}

std::string redact_store_url(const std::string& url) {
  // scheme://user:PASSWORD@host...  and  ...?password=PASSWORD&...
  static const std::regex userinfo(R"(([A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*):[^@/\s]*@)");
  static const std::regex parameter(R"(([?&]password=)[^&\s]*)", std::regex::icase);
  auto out = std::regex_replace(url, userinfo, "$1:***@");
  return std::regex_replace(out, parameter, "$1***");
}

nlohmann::json redact_credentials(const nlohmann::json& value) {
  if (value.is_string()) return redact_store_url(value.get<std::string>());
  if (!value.is_structured()) return value;
  auto out = value;
  for (auto& item : out) item = redact_credentials(item);
  return out;
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

}  // namespace chimera::store
