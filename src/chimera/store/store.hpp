#pragma once
// The results store: every run, configuration and request, written as each
// request finishes (or within a fraction of a second, see begin_batch()) so
// that a crash or Ctrl-C loses at most the requests in flight and the last
// moment's results, and so that an interrupted sweep can resume.
//
// One abstract interface, created from a URL by open_store() (as ccache's
// storage backends): a plain path or `sqlite:` URL gives the embedded SQLite
// store; `postgresql://` (or `postgres://`) the PostgreSQL store, with the same
// schema (schema.hpp is written in portable SQL for both).
//
// Every method is thread-safe: benchmark completion callbacks call
// record_request() from the HTTP event-loop thread while the command's own
// thread reads or updates configurations.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chimera/measure/request.hpp"
#include "chimera/util/error.hpp"

namespace chimera::store {

enum class RunKind { kBench, kSweep, kRun, kCompare };
// kAbandoned: left `running` by a process that has since died (kill -9, a
// crash, a power cut); set when a store is opened, never by the run itself.
enum class RunStatus { kRunning, kComplete, kInterrupted, kFailed, kAbandoned };
enum class ConfigurationStatus { kPending, kRunning, kDone };

const char* to_string(RunKind kind);
const char* to_string(RunStatus status);
const char* to_string(ConfigurationStatus status);
std::optional<RunKind> run_kind_from_string(std::string_view text);
std::optional<RunStatus> run_status_from_string(std::string_view text);
std::optional<ConfigurationStatus> configuration_status_from_string(std::string_view text);

struct RunInfo {
  std::int64_t id = 0;  // assigned by begin_run()
  RunKind kind = RunKind::kBench;
  // Identifies "the same run again" (e.g. a hash of the sweep's arguments) so
  // that find_resumable_run() can pick up an interrupted one.
  std::string fingerprint{};
  std::string started_at{};   // UTC, ISO 8601
  std::string finished_at{};  // empty while running
  RunStatus status = RunStatus::kRunning;
  bool simulated = false;
  nlohmann::json args = nlohmann::json::object();  // the command line, as JSON
  std::string tool_version{};
  // The process that wrote the run ("host pid start-time"); begin_run()
  // records the calling process when empty.
  std::string owner{};
};

struct ConfigurationRecord {
  std::int64_t id = 0;  // assigned by add_configuration()
  std::int64_t run_id = 0;
  int ordinal = 0;    // position in the run's order of execution
  std::string key{};  // stable identity within a run (e.g. canonical options JSON)
  std::string label{};
  std::string backend{}, endpoint{}, model{}, api{};
  nlohmann::json options = nlohmann::json::object();
  ConfigurationStatus status = ConfigurationStatus::kPending;
};

// One agent's outcome in an agent workflow (`chimera run`).
struct AgentRecord {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  int run_index = 0;  // run_N
  std::string agent{};
  std::string persona{};
  std::string profile{};
  std::string model{};
  nlohmann::json metrics = nlohmann::json::object();
  std::string report_path{};
};

// A request the store gave back instead of writing it (see take_unstored()).
struct UnstoredRequest {
  std::int64_t configuration_id = 0;
  measure::RequestResult request;
};

// Called once per stored request, in (configuration ordinal, seq) order.
using RequestVisitor =
    std::function<void(std::int64_t configuration_id, const measure::RequestResult& request)>;

class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Where the store is, for messages (never contains credentials).
  virtual std::string description() const = 0;

  // Writes whatever the store still buffers. Reads, finish_run() and marking
  // a configuration done flush by themselves; so does closing the store.
  virtual Expected<void> flush() { return {}; }

  virtual Expected<std::int64_t> begin_run(const RunInfo& run) = 0;
  // `finished_at` empty means "now".
  virtual Expected<void> finish_run(std::int64_t run_id, RunStatus status,
                                    const std::string& finished_at = "") = 0;
  // The most recent run of this kind and fingerprint that is still `running`,
  // `abandoned` (the process died) or `interrupted`.
  virtual Expected<std::optional<std::int64_t>> find_resumable_run(
      RunKind kind, const std::string& fingerprint) = 0;
  // All runs, oldest first.
  virtual Expected<std::vector<RunInfo>> runs() = 0;
  virtual Expected<RunInfo> run(std::int64_t run_id) = 0;
  virtual Expected<std::optional<std::int64_t>> latest_run_id() = 0;
  // Marks the run as running again, owned by this process (resume).
  virtual Expected<void> reopen_run(std::int64_t run_id) = 0;

  virtual Expected<std::int64_t> add_configuration(std::int64_t run_id,
                                                   const ConfigurationRecord& configuration) = 0;
  // In ordinal order.
  virtual Expected<std::vector<ConfigurationRecord>> configurations(std::int64_t run_id) = 0;
  virtual Expected<void> set_configuration_status(std::int64_t configuration_id,
                                                  ConfigurationStatus status) = 0;

  // Returns the row's id, or 0 where it is not known yet (SQLite inside a
  // batch assigns ids when the batch is written).
  // SQLite: durable when it returns (one transaction per request), or when
  // the batch it is part of is written (begin_batch()).
  // PostgreSQL: buffered and written in batched transactions within a fraction
  // of a second (see postgres_store.hpp), so that the caller never waits for a
  // network round trip; a killed process loses at most the batch in flight.
  virtual Expected<std::int64_t> record_request(std::int64_t run_id, std::int64_t configuration_id,
                                                const measure::RequestResult& request) = 0;
  // Group commit, for a caller that records many requests a second (a
  // benchmark flushes every 64 results, or 20 ms after a result). Between
  // begin_batch() and end_batch(), SQLite keeps the rows recorded since the
  // last flush() and writes them in one transaction, durable when flush()
  // returns, instead of one transaction per row; a killed process then loses
  // at most the rows since the last flush. Reads, finish_run(), a status
  // change and closing the store write pending rows first. PostgreSQL
  // batches on its own: no-ops there. A failed flush says how many rows it
  // concerns and whether they are still pending.
  virtual void begin_batch() {}
  virtual Expected<void> end_batch() { return {}; }
  // Once a caller gives up on the store (a full disk, a database that did
  // not come back): every request recorded and not written, and every one
  // the database refused, oldest first, taken out of the store, which will
  // not write them any more. The caller keeps them elsewhere (the exports).
  virtual std::vector<UnstoredRequest> take_unstored() { return {}; }
  // Streams the stored requests (all of a run, or one configuration's) to
  // `visit` without holding them all in memory; returns how many there were.
  virtual Expected<std::size_t> requests(std::int64_t run_id,
                                         std::optional<std::int64_t> configuration_id,
                                         const RequestVisitor& visit) = 0;
  // Stored requests of a configuration, warm-up included (for resume).
  virtual Expected<std::size_t> request_count(std::int64_t configuration_id) = 0;

  virtual Expected<void> save_inventory(std::int64_t run_id, const nlohmann::json& inventory) = 0;
  virtual Expected<std::optional<nlohmann::json>> inventory(std::int64_t run_id) = 0;
  virtual Expected<std::int64_t> save_agent_result(std::int64_t run_id,
                                                   const AgentRecord& agent) = 0;
  virtual Expected<std::vector<AgentRecord>> agent_results(std::int64_t run_id) = 0;

  // Dropping a partial attempt: a `chimera run` resumed into the same stored
  // run removes the rows of the run it redoes before doing it again.
  // Removes a configuration with its requests.
  virtual Expected<void> delete_configuration(std::int64_t configuration_id) = 0;
  // Removes the agents' rows of run_index >= `from_run_index`.
  virtual Expected<void> delete_agent_results(std::int64_t run_id, int from_run_index) = 0;
};

struct StoreLocation {
  enum class Kind { kSqlite, kPostgresql };
  Kind kind = Kind::kSqlite;
  std::string target{};  // the SQLite file path (":memory:" allowed) or the PostgreSQL URL
};

// Accepted forms: `PATH`, `sqlite:PATH`, `sqlite://PATH` (so `sqlite:///abs/path`
// is the absolute path /abs/path), `postgresql://...` / `postgres://...`.
Expected<StoreLocation> parse_store_url(const std::string& url);

// How long a PostgreSQL store keeps reconnecting after it lost its server,
// unless StoreOptions says otherwise.
inline constexpr std::chrono::milliseconds kDefaultReconnectLimit{30'000};

struct StoreOptions {
  // PostgreSQL: a statement that finds the server gone reconnects with
  // growing pauses (0.1 s doubling up to 2 s) until this long after the
  // connection was lost, then fails. SQLite: unused.
  std::chrono::milliseconds reconnect_limit = kDefaultReconnectLimit;
};

// Opens (creating and migrating as needed) the store a URL names.
Expected<std::unique_ptr<ResultStore>> open_store(const std::string& url,
                                                  const StoreOptions& options = {});

// This process as a run owner: "host pid start-time" (the start time tells a
// reused pid from the original process).
std::string current_process_owner();
// True only when the owner ran on this host and that process no longer exists;
// an owner on another host, or unknown (empty), is never judged dead.
bool owner_is_dead(const std::string& owner);
// Marks every `running` run whose owner is dead as `abandoned`; returns how
// many. open_store() calls it, so a kill -9 never leaves a run `running`.
Expected<int> mark_abandoned_runs(ResultStore& store);

// `url` fit for output: a password in the user part or a `password=` query
// parameter becomes "***" ("postgresql://ana:***@db/results").
std::string redact_store_url(const std::string& url);
// The same redaction applied to every string in `value` (a run's command-line
// arguments, before they are stored).
nlohmann::json redact_credentials(const nlohmann::json& value);

// The current UTC time as ISO 8601 with milliseconds ("2026-01-02T03:04:05.678Z").
std::string utc_now_iso8601();

// A batch for the lifetime of a scope; `store` may be null (no store).
// flush() commits what was recorded so far; end() commits the rest and
// reports its failure; the destructor ends a batch that end() was not called
// for (an exception), dropping that failure.
class RecordBatch {
 public:
  explicit RecordBatch(ResultStore* store) : store_(store) {
    if (store_ != nullptr) store_->begin_batch();
  }
  ~RecordBatch() { (void)end(); }
  RecordBatch(const RecordBatch&) = delete;
  RecordBatch& operator=(const RecordBatch&) = delete;

  Expected<void> flush() { return store_ != nullptr ? store_->flush() : Expected<void>{}; }
  Expected<void> end() {
    ResultStore* store = std::exchange(store_, nullptr);
    return store != nullptr ? store->end_batch() : Expected<void>{};
  }

 private:
  ResultStore* store_;
};

}  // namespace chimera::store
