#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_sweep_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "sweep", "Run the Cartesian product of option lists and rank the configurations");
}

}  // namespace chimera::cli
