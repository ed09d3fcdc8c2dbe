#pragma once
// `chimera bench` and `chimera sweep` share this: every grid point is run
// (warm-up + measured requests), each request is written to the store as it
// finishes, and the report is rebuilt after every configuration. With a store,
// an interrupted or killed run of the same arguments resumes where it stopped.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chimera/backends/backend.hpp"
#include "chimera/orchestrate/bench/bench_runner.hpp"
#include "chimera/orchestrate/bench/grid.hpp"
#include "chimera/report/model.hpp"
#include "chimera/report/reporter.hpp"
#include "chimera/store/store.hpp"

namespace chimera::orchestrate {

struct BenchmarkSpec {
  store::RunKind kind = store::RunKind::kBench;
  std::vector<GridPoint> grid;
  RunPlan plan;                         // prompts, runs, warm-up, concurrency, timeouts
  store::ResultStore* store = nullptr;  // optional
  bool resume = true;                   // continue an unfinished run with the same fingerprint
  // The store outlives the process (not an in-memory one), so the same
  // command again resumes an interrupted run: what its warning says.
  bool resumable = false;
  nlohmann::json args = nlohmann::json::object();  // what identifies the run (fingerprinted)
  bool simulated = false;
  std::optional<report::Ranking> ranking;
  // A distributed sweep's worker records its cell into the sweep's existing
  // run: no run is begun, resumed or finished, grid[0] gets `first_ordinal`,
  // and configurations stay `running` (the worker marks them done once its
  // lease confirms that the cell is its own).
  std::optional<std::int64_t> attach_run;
  int first_ordinal = 0;
  // After each configuration (and at the end, when the report has its
  // finished_at): e.g. rewrite the export files. `requests` streams every
  // request of the run, stored or kept after the store failed (empty without
  // a store).
  std::function<void(const report::BenchReport&, const report::RequestSource& requests)> on_report;
  // After the grid, asked for one more point at a time until it returns
  // nullopt: a --rate sweep plans its rates from what it measured and stops
  // at saturation.
  std::function<std::optional<GridPoint>(const report::BenchReport&)> next_point;
  // The latency-throughput table's SLO (the plan's, for goodput, is the same).
  std::optional<load::Slo> slo;
};

struct BenchmarkOutcome {
  report::BenchReport report;
  std::optional<std::int64_t> run_id;
  bool resumed = false;
  int configurations_reused = 0;  // finished before a resume: read back from the store
  int measured = 0;
  int failed = 0;
  bool interrupted = false;
  std::vector<std::string> notes;
  std::vector<std::int64_t> configuration_ids;  // stored configurations, in grid order
  // The store failed during the run (see store_guard.hpp): why, and how many
  // requests it does not hold (they are in the figures and the exports).
  // Such a run is never marked complete in the store.
  std::string store_failure;
  std::size_t unstored = 0;
  std::size_t unstored_warmups = 0;
};

// A stable digest of the arguments, for finding the run to resume.
std::string fingerprint(const nlohmann::json& args);

BenchmarkOutcome run_benchmark(backends::Backend& backend, const BenchmarkSpec& spec);

}  // namespace chimera::orchestrate
