#include "chimera/store/store.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

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
    case RunStatus::kAbandoned:
      return "abandoned";
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
  for (auto status : {RunStatus::kRunning, RunStatus::kComplete, RunStatus::kInterrupted,
                      RunStatus::kFailed, RunStatus::kAbandoned}) {
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

namespace {

Expected<std::unique_ptr<ResultStore>> open_location(const StoreLocation& location,
                                                     const StoreOptions& options) {
  if (location.kind == StoreLocation::Kind::kPostgresql) {
    return open_postgresql_store(location.target, options);
  }
  return open_sqlite_store(location.target);
}

}  // namespace

Expected<std::unique_ptr<ResultStore>> open_store(const std::string& url,
                                                  const StoreOptions& options) {
  auto location = parse_store_url(url);
  if (!location) return std::unexpected(location.error());
  auto store = open_location(*location, options);
  if (!store) return store;
  // Whatever the backend: a run whose process died is never left `running`.
  if (auto marked = mark_abandoned_runs(**store); !marked) return std::unexpected(marked.error());
  return store;
}

namespace {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// Field 22 of /proc/PID/stat: the process's start time in clock ticks since
// boot; empty when the process does not exist.
std::string process_start_time(long pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!in || !std::getline(in, stat)) return "";
  const auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

}  // namespace

std::string current_process_owner() {
  const long pid = static_cast<long>(getpid());
  return fmt::format("{} {} {}", host_name(), pid, process_start_time(pid));
}

bool owner_is_dead(const std::string& owner) {
  std::istringstream in(owner);
  std::string host, start;
  long pid = 0;
  if (!(in >> host >> pid) || pid <= 0 || host != host_name()) return false;
  in >> start;
  const std::string now = process_start_time(pid);
  if (now.empty()) return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
  return !start.empty() && now != start;  // the pid now belongs to another process
}

Expected<int> mark_abandoned_runs(ResultStore& store) {
  auto all = store.runs();
  if (!all) return std::unexpected(all.error());
  int marked = 0;
  for (const auto& run : *all) {
    if (run.status != RunStatus::kRunning || !owner_is_dead(run.owner)) continue;
    if (auto s = store.finish_run(run.id, RunStatus::kAbandoned); !s) {
      return std::unexpected(s.error());
    }
    ++marked;
  }
  return marked;
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
