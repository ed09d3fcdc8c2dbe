#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_inventory_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "inventory", "Inventory and analyse a folder of benchmark artifacts (no LLM needed)");
}

}  // namespace chimera::cli
