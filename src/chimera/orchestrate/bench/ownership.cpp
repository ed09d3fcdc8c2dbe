#include "chimera/orchestrate/bench/ownership.hpp"

#include <fmt/format.h>

#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

std::filesystem::path store_lock_path(const std::string& sqlite_path, const std::string& kind,
                                      const std::string& fingerprint) {
  return sqlite_path + fmt::format(".{}-{}.lock", kind, fingerprint);
}

StoreOwnership own_stored_run(const std::string& store_url, const std::string& fingerprint,
                              bool sweep, bool wanted) {
  StoreOwnership out;
  out.resume = wanted;
  const auto location = store::parse_store_url(store_url);
  if (!location || location->kind != store::StoreLocation::Kind::kSqlite ||
      location->target == ":memory:") {
    return out;
  }
  const auto path = store_lock_path(location->target, sweep ? "sweep" : "bench", fingerprint);
  auto lock = FileLock::try_acquire(path);
  if (!lock && lock.error().kind != FailureKind::kInvalidInput) {
    throw Error(
        fmt::format("Could not lock the run in '{}': {}", location->target, lock.error().message));
  }
  if (!lock && sweep) {
    throw Error(fmt::format(
        "the same sweep is already running into '{}' ({}); a sweep has one owner at a time, so "
        "nothing was measured. Wait for it to end (if it is interrupted, the same command then "
        "resumes it), or give another --store.",
        location->target, lock.error().message));
  }
  if (!lock) {
    out.resume = false;
    out.note = fmt::format(
        "the same bench is running into '{}' ({}): this one is a run of its own, and resumes "
        "nothing",
        location->target, lock.error().message);
    return out;
  }
  value_or_throw(lock->publish(), "the run's lock");
  out.lock = std::move(*lock);
  return out;
}

}  // namespace chimera::orchestrate
