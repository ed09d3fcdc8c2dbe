#pragma once
// One owner at a time for a bench or sweep run in a SQLite store: a lock
// file beside the store, named after the run's fingerprint (the arguments
// that identify "the same run again"), held while the process measures.
//
// A second identical sweep is refused, naming the owner's pid and host,
// rather than joining it: both processes would load the same server at the
// same time, so each cell's figures would include the other's traffic, and a
// sweep exists to compare cells measured alike. (A distributed sweep spreads
// cells over workers that are meant to run at once, each with its own server
// or a server sized for them; it has its own queue in PostgreSQL.)
// A second identical bench is not refused, since two benches into one store
// are two runs of their own, but it never resumes the first one's run.

#include <filesystem>
#include <optional>
#include <string>

#include "chimera/util/file_lock.hpp"

namespace chimera::orchestrate {

struct StoreOwnership {
  FileLock lock;                    // held while the run is measured (none: not a SQLite file)
  bool resume = false;              // this process owns the run and may resume an interrupted one
  std::optional<std::string> note;  // why a bench does not resume
};

// `store_url` is the --store given (a PostgreSQL URL or ":memory:" takes no
// lock: `resume` is then `wanted`). `sweep` refuses a held lock (Error);
// otherwise a held lock gives resume = false and a note.
StoreOwnership own_stored_run(const std::string& store_url, const std::string& fingerprint,
                              bool sweep, bool wanted);

// <store>.<kind>-<fingerprint>.lock, beside the SQLite file.
std::filesystem::path store_lock_path(const std::string& sqlite_path, const std::string& kind,
                                      const std::string& fingerprint);

}  // namespace chimera::orchestrate
