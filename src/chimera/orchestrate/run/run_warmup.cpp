#include "chimera/orchestrate/run/run_warmup.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "chimera/util/signals.hpp"

namespace chimera::orchestrate {

RunWarmup run_warmup_plan(int warmups, std::size_t agents, bool first_of_process) {
  RunWarmup plan;
  plan.passes = std::max(0, warmups);
  plan.concurrent = warmups > 0 && agents >= 2 && first_of_process;
  return plan;
}

void warm_up_every_shape(
    const std::vector<WorkflowAgent>& agents, const RunWarmup& plan, const ExecutionOptions& base,
    const std::string& id_prefix, const std::function<void(const std::string&)>& progress,
    const std::function<void(const ExecutionResult&, const std::string& pass)>& record) {
  ExecutionOptions e = base;
  e.as_warmup = true;
  e.warm_up_each_isolated_agent = false;
  for (int pass = 1; pass <= plan.passes && !signals::interrupted(); ++pass) {
    progress("warming up");
    e.mode = ExecutionMode::kIsolated;
    const auto name = fmt::format("warmup{}", pass);
    e.id_prefix = id_prefix + "-" + name;
    record(execute(agents, e), name);
  }
  if (!plan.concurrent || signals::interrupted()) return;
  progress(fmt::format("warming up: {} agent(s) at once", agents.size()));
  e.mode = ExecutionMode::kConcurrent;
  e.id_prefix = id_prefix + "-warmup-concurrent";
  record(execute(agents, e), "warmup-concurrent");
}

}  // namespace chimera::orchestrate
