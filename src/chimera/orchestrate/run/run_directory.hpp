#pragma once
// A run directory across processes: an existing one is never overwritten,
// and `--resume` continues one whose process was interrupted or killed. The
// finished runs (run_N/ without INCOMPLETE.md) are kept as they are; the run
// in flight and everything after it are done again.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/orchestrate/run/concurrency.hpp"
#include "chimera/util/file_lock.hpp"

namespace chimera::orchestrate {

struct RunDirectoryState {
  int first_run = 1;              // the first run this process does
  std::vector<RunRecord> kept;    // runs 1 .. first_run - 1, read back from their metrics.json
  std::size_t dropped_lines = 0;  // requests.jsonl lines of redone runs (or torn) removed
  // The results store's run this directory's requests went to (its
  // requests.jsonl lines name it): a resume continues it.
  std::optional<std::int64_t> store_run_id;
};

// Checks `dir` before anything is written to it. Without `resume`, a
// directory that already holds a run is refused (UsageError naming --resume
// and --output-dir). With it, the finished runs of the same scenario are
// kept, the unfinished run directories removed and requests.jsonl cut back
// to the kept runs' rows, so no request id appears twice.
RunDirectoryState open_run_directory(const std::filesystem::path& dir, bool resume,
                                     const std::string& scenario);

// A run directory belongs to one process: the lock file inside it.
inline constexpr const char* kRunLockFile = ".chimera-run.lock";

// Takes `dir`'s lock (the directory must exist) for the life of the returned
// FileLock. Another process holding it: an Error naming that process's pid and
// host, so a second `chimera run` into the same directory, resuming or not,
// never writes beside the first.
FileLock lock_run_directory(const std::filesystem::path& dir);

// A run's metrics.json read back (the inverse of to_json(RunRecord)).
RunRecord run_record_from_json(const nlohmann::json& j);

}  // namespace chimera::orchestrate
