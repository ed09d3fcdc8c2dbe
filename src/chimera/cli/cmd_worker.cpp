#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "chimera/cli/bench_options.hpp"
#include "chimera/cli/commands.hpp"
#include "chimera/orchestrate/bench/distributed.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"

namespace chimera::cli {
namespace {

struct WorkerCliOptions {
  std::string store;
  std::int64_t sweep = 0;
  bool wait = false;
  double lease_s = 60;
  double poll_s = 2;
  double store_reconnect_s = 30;
};

int run_worker(const WorkerCliOptions& o, const GlobalOptions& globals) {
  if (o.store.empty()) throw UsageError("--store postgresql://... is required");
  orchestrate::WorkerOptions w;
  w.store_url = o.store;
  if (o.sweep > 0) w.sweep_id = o.sweep;
  w.wait = o.wait;
  w.lease_seconds = o.lease_s;
  w.poll_seconds = o.poll_s;
  w.index = orchestrate::scheduler_index_from_environment().index;
  w.store_options = store_options(o.store_reconnect_s);
  const auto out = orchestrate::run_worker(w);
  if (globals.json) {
    std::cout << nlohmann::json{{"worker", out.name},
                                {"cells_done", out.cells_done},
                                {"cells_abandoned", out.cells_abandoned},
                                {"cells_failed", out.cells_failed},
                                {"requests_failed", out.requests_failed},
                                {"interrupted", out.interrupted},
                                {"store_failure", out.store_failure}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << fmt::format(
        "Worker {}: {} cell(s) done, {} abandoned (lease lost), {} failed, in {}\n", out.name,
        out.cells_done, out.cells_abandoned, out.cells_failed, store::redact_store_url(o.store));
  }
  if (!out.store_failure.empty()) {
    std::cerr << fmt::format(
        "chimera: worker {} stopped: the results store could not be reached: {}\nA cell it held "
        "is redone by another worker once its lease expires.\n",
        out.name, out.store_failure);
    return kExitFatal;
  }
  if (out.interrupted) return kExitInterrupted;
  if (out.cells_failed > 0 || out.requests_failed > 0) return kExitPartial;
  return kExitOk;
}

}  // namespace

Command add_worker_command(CLI::App& root, const GlobalOptions& globals) {
  auto o = std::make_shared<WorkerCliOptions>();
  auto* app = root.add_subcommand(
      "worker", "Claim and run the cells of distributed sweeps (chimera sweep --distributed)");
  app->footer(
      "Each worker leases one cell at a time, renews the lease while it runs, and records the\n"
      "cell in the same store. A cell whose worker died is redone after its lease expires.\n"
      "Exits 0 when no cell is left (--wait keeps polling for new sweeps). Under Kubernetes\n"
      "Indexed Jobs or Slurm job arrays the index (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID)\n"
      "names the worker.\n\nExample:\n"
      "  chimera worker --store postgresql://bench@db.internal/results --sweep 3");
  app->add_option("--store", o->store,
                  "The PostgreSQL store: postgresql://user[:password]@host[:port]/db")
      ->required();
  app->add_option("--sweep", o->sweep, "Only this sweep (default: any open sweep)");
  app->add_flag("--wait", o->wait,
                "Keep polling for new cells instead of exiting when none is left");
  app->add_option("--lease", o->lease_s, "Lease length in seconds (renewed every third of it)")
      ->check(CLI::Range(0.5, 86400.0))
      ->capture_default_str();
  app->add_option("--poll", o->poll_s, "Seconds between polls when no cell is free")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  add_store_reconnect_option(*app, o->store_reconnect_s);
  return Command{app, [o, &globals] { return run_worker(*o, globals); }};
}

}  // namespace chimera::cli
