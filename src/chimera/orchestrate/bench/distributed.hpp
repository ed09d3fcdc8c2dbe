#pragma once
// Sweeps shared by many processes: a distributed sweep registered once in a
// PostgreSQL store, whose cells workers on any machine claim, run and record
// one at a time (store/sweep_queue.hpp); and the index a worker or a sharded
// sweep takes from the scheduler that started it (Kubernetes Indexed Jobs,
// Slurm job arrays).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "chimera/orchestrate/bench/session.hpp"
#include "chimera/store/sweep_queue.hpp"

namespace chimera::orchestrate {

// The process's index among its siblings from the environment:
// JOB_COMPLETION_INDEX (Kubernetes, 0-based) or SLURM_ARRAY_TASK_ID (minus
// SLURM_ARRAY_TASK_MIN when set); the count from SLURM_ARRAY_TASK_COUNT.
struct SchedulerIndex {
  std::optional<int> index;
  std::optional<int> count;
  std::string source;  // the variable the index came from
};
SchedulerIndex scheduler_index(const std::map<std::string, std::string>& environment);
SchedulerIndex scheduler_index_from_environment();

// `--shard` as I/N, N (the index from the scheduler) or `auto` (both from the
// scheduler); UsageError when malformed or out of range.
std::pair<int, int> parse_shard(const std::string& text, const SchedulerIndex& scheduler);

struct DistributedRegistration {
  store::Registration registration;
  std::string store_description;
};

// Registers the session's sweep (idempotently, by its fingerprint) with every
// cell and everything a worker needs to run it; measures nothing.
DistributedRegistration register_distributed_sweep(const BenchSessionOptions& options);

struct WorkerOptions {
  std::string store_url;
  std::optional<std::int64_t> sweep_id;  // none: any open sweep
  bool wait = false;                     // keep polling for new sweeps
  double lease_seconds = 60;
  double poll_seconds = 2;
  std::optional<int> index;  // from the scheduler, for the worker's name
  // How long the worker keeps reconnecting after it lost the database
  // before it gives up (and exits non-zero).
  store::StoreOptions store_options;
};

struct WorkerOutcome {
  std::string name;  // host:pid:token, the lease owner
  int cells_done = 0;
  int cells_abandoned = 0;  // lease lost: another worker redid the cell
  int cells_failed = 0;
  int requests_failed = 0;
  bool interrupted = false;
  // The store could not be reached within the reconnect limit: why. The
  // worker stopped; its cell is redone by another worker once its lease
  // expires.
  std::string store_failure;
};

WorkerOutcome run_worker(const WorkerOptions& options);

// The sweep's progress (the latest sweep when `sweep_id` is empty).
store::SweepStatus distributed_status(const std::string& store_url,
                                      std::optional<std::int64_t> sweep_id);

}  // namespace chimera::orchestrate
