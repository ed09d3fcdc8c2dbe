#pragma once
// The body shared by `chimera bench` and `chimera sweep`.

#include <string>

#include "chimera/cli/bench_options.hpp"
#include "chimera/cli/commands.hpp"

namespace chimera::cli {

struct SweepCliOptions {
  std::string rank_by = "tps";  // tps | ttft | score
  std::string weights;          // tps=0.5,ttft=0.5
  std::string recommend_path;   // where the recommended profile snippet goes
  std::string profile_name = "sweep-best";
  bool fresh = false;  // do not resume an unfinished sweep
};

int run_benchmark_command(const BenchCliOptions& options, const GlobalOptions& globals,
                          const SweepCliOptions* sweep);

}  // namespace chimera::cli
