#pragma once
// The warm-up of `chimera run`: before anything is timed, the servers have
// run every shape that is then measured, each request the measured one
// marked as a warm-up:
//   - the whole scenario one agent at a time, `passes` times (each isolated
//     baseline then meets loaded models and seen prompt lengths);
//   - in the first run a process does (run 1, or the first one after
//     --resume), the concurrent phase once more: the same agents on the same
//     dependency graph, at once. An engine pays a cost the first time it runs
//     several requests together (an engine's first step at a new batch size,
//     a parallel slot allocated); without this pass, run 1's concurrent phase
//     would pay it and read as contention. A server keeps such costs paid for
//     its lifetime, so later runs need not repeat the pass.
// Warm-up results are written to the run's records as warm-ups and enter no
// figure.

#include <functional>
#include <string>
#include <vector>

#include "chimera/orchestrate/run/workflow.hpp"

namespace chimera::orchestrate {

struct RunWarmup {
  int passes = 1;           // one agent at a time, the whole scenario each pass
  bool concurrent = false;  // then the concurrent phase once
};

// `warmups`: the --warmup passes (0: no warm-up at all); `agents`: how many
// the scenario has; `first_of_process`: this is the first run this process does.
RunWarmup run_warmup_plan(int warmups, std::size_t agents, bool first_of_process);

// Runs the warm-up executions in order. `base` carries the run's limits,
// headers and permits; `id_prefix` starts every request id ("r1" gives
// "r1-warmup1-..." and "r1-warmup-concurrent-..."). `progress` is told what
// runs, `record` gets each execution as it ends with the name of its pass
// ("warmup1", "warmup2", ..., "warmup-concurrent"). Stops after Ctrl-C.
void warm_up_every_shape(
    const std::vector<WorkflowAgent>& agents, const RunWarmup& plan, const ExecutionOptions& base,
    const std::string& id_prefix, const std::function<void(const std::string&)>& progress,
    const std::function<void(const ExecutionResult&, const std::string& pass)>& record);

}  // namespace chimera::orchestrate
