#pragma once
// The results store as a benchmark uses it, so that a failing store never
// loses a measurement. A failure that leaves requests unwritable (a full
// disk, a database that did not come back within its reconnect limit, any
// write the run needs) ends the store's use for the rest of the run: the
// requests it had not written are taken back from it (take_unstored()), and
// every later one is kept in memory, so that the exports and the console
// still hold every measured request. Failures that a later attempt may
// clear (a lock held by another process, a lost connection within its
// limit) are counted and the rows stay pending in the store.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chimera/measure/request.hpp"
#include "chimera/report/reporter.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

class StoreGuard {
 public:
  explicit StoreGuard(store::ResultStore* db) : db_(db) {}

  // The store while it works: nullptr without one, or once it failed.
  store::ResultStore* db() const { return failure_ ? nullptr : db_; }
  bool failed() const { return failure_.has_value(); }
  // Why the store failed ("" while it works).
  std::string failure() const { return failure_.value_or(""); }

  // The stored configuration of grid point `index`, where its kept
  // requests belong.
  void configuration(std::size_t index, std::int64_t id);
  // `value` when it holds one; else the store has failed (`what` says at
  // what) and nullopt.
  template <typename T>
  std::optional<T> check(Expected<T> value, const std::string& what) {
    if (value) return std::move(*value);
    give_up(value.error(), what);
    return std::nullopt;
  }
  bool check(const Expected<void>& done, const std::string& what);
  // Records a request of grid point `index` in the store, or keeps it.
  void record(std::size_t index, std::int64_t run_id, const measure::RequestResult& r);
  // The outcome of a flush within a configuration: a file-system failure
  // ends the store's use, others are retried by the store.
  void flushed(const Expected<void>& result);
  void give_up(const Failure& failure, const std::string& what);

  // The requests of grid point `index` the store does not hold.
  const std::vector<measure::RequestResult>& kept(std::size_t index) const;
  // How many requests the store does not hold, and how many of those were
  // warm-ups.
  std::size_t unstored() const { return unstored_; }
  std::size_t unstored_warmups() const { return unstored_warmups_; }
  // Retried writes, for the report's notes; empty when there were none.
  std::optional<std::string> retry_note() const;

  // Every request of the run for the exports, grid point by grid point: the
  // stored ones (one read of the whole run while the store works), then
  // the kept ones. `points`: how many grid points were run.
  report::RequestSource requests(std::optional<std::int64_t> run_id, std::size_t points);

 private:
  void keep(std::size_t index, measure::RequestResult r);

  store::ResultStore* db_;
  std::optional<std::string> failure_;
  std::map<std::int64_t, std::size_t> index_of_;  // configuration id → grid point
  std::map<std::size_t, std::int64_t> id_of_;     // grid point → configuration id
  std::map<std::size_t, std::vector<measure::RequestResult>> kept_;
  std::size_t unstored_ = 0, unstored_warmups_ = 0;
  int retried_ = 0;
  std::string first_retry_;
};

}  // namespace chimera::orchestrate
