#pragma once
// The body shared by `chimera bench` and `chimera sweep`.

#include <string>

#include "chimera/cli/bench_options.hpp"
#include "chimera/cli/commands.hpp"
#include "chimera/orchestrate/bench/session.hpp"

namespace chimera::cli {

using SweepCliOptions = orchestrate::SweepSettings;

int run_benchmark_command(const BenchCliOptions& options, const GlobalOptions& globals,
                          const SweepCliOptions* sweep);

}  // namespace chimera::cli
