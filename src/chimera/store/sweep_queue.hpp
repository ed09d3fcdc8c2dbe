#pragma once
// A distributed sweep's queue of cells, shared by workers on any number of
// machines through one PostgreSQL database. A worker leases one cell at a
// time (SELECT ... FOR UPDATE SKIP LOCKED, so workers never wait on each
// other), renews the lease while it runs the cell, and completes it by
// pointing the cell at the configuration it recorded. A cell whose worker
// died is leased again once its lease has expired; completing only succeeds
// for the current lease holder, so a cell is never recorded twice.
//
// Lease times are the database server's clock_timestamp(), so workers'
// clocks need not agree. One SweepQueue is one connection: use one per thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"

namespace chimera::store {

struct SweepCell {
  int ordinal = 0;
  std::string key;
  nlohmann::json spec = nlohmann::json::object();
};

// The server a sweep measures, and how many cells may measure it at once
// (across all workers and sweeps; 0: no limit, as for per-worker simulators).
struct SweepEndpoint {
  std::string name;
  int permits = 0;
};

struct Registration {
  std::int64_t sweep_id = 0;
  std::int64_t run_id = 0;
  bool created = false;  // false: the same sweep was registered before
  std::size_t cells = 0;
};

struct Lease {
  std::int64_t cell_id = 0;
  std::int64_t sweep_id = 0;
  std::int64_t run_id = 0;
  int ordinal = 0;
  int attempts = 0;  // this lease included
  std::string key;
  nlohmann::json cell_spec;
  nlohmann::json sweep_spec;
};

struct WorkerProgress {
  std::string owner;  // host:pid:token
  int done = 0;
  int leased = 0;
  std::string last_heartbeat;  // server time
};

struct SweepStatus {
  std::int64_t sweep_id = 0;
  std::int64_t run_id = 0;
  int pending = 0, leased = 0, done = 0, failed = 0;
  std::vector<WorkerProgress> workers;
};

class SweepQueue {
 public:
  virtual ~SweepQueue() = default;
  // Idempotent by `fingerprint`: the second registration of the same sweep
  // returns the first one's ids. `make_run` is called once, by the process
  // that creates the sweep, for the results-store run its cells are recorded in.
  virtual Expected<Registration> register_sweep(
      const std::string& fingerprint, const nlohmann::json& spec, const SweepEndpoint& endpoint,
      const std::vector<SweepCell>& cells,
      const std::function<Expected<std::int64_t>()>& make_run) = 0;
  // The next claimable cell (of `sweep_id`, or of any open sweep), leased to
  // `owner` for `lease_seconds`; nullopt when none is left.
  virtual Expected<std::optional<Lease>> claim(std::optional<std::int64_t> sweep_id,
                                               const std::string& owner, double lease_seconds) = 0;
  // false: the lease was lost (it expired and another worker took the cell).
  virtual Expected<bool> renew(std::int64_t cell_id, const std::string& owner,
                               double lease_seconds) = 0;
  // false: the lease was lost; the caller's configuration is not the cell's.
  // Completing again with the same owner and configuration is true (a retry
  // whose first answer was lost with the server).
  virtual Expected<bool> complete(std::int64_t cell_id, const std::string& owner,
                                  std::int64_t configuration_id) = 0;
  // Gives the cell back (pending again) or, after `max_attempts`, marks it failed.
  virtual Expected<void> fail(std::int64_t cell_id, const std::string& owner,
                              const std::string& message, int max_attempts) = 0;
  // Cells of the sweep not yet done or failed.
  virtual Expected<int> remaining(std::int64_t sweep_id) = 0;
  virtual Expected<SweepStatus> status(std::int64_t sweep_id) = 0;
  // Sweeps with cells not yet done or failed, oldest first.
  virtual Expected<std::vector<std::int64_t>> open_sweeps() = 0;
  virtual Expected<std::optional<std::int64_t>> latest_sweep() = 0;
};

// PostgreSQL only; a SQLite store is an error that says so. Migrates the
// schema first (as open_store does).
Expected<std::unique_ptr<SweepQueue>> open_sweep_queue(const std::string& url,
                                                       const StoreOptions& options = {});

}  // namespace chimera::store
