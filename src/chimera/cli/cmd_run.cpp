#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_run_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "run", "Run agent workflows against inference servers and write grounded reports");
}

}  // namespace chimera::cli
