#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_bench_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "bench", "Benchmark one configuration: warm-up + N runs, full statistics");
}

}  // namespace chimera::cli
