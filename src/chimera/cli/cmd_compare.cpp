#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_compare_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "compare", "Compare baseline and candidate results with confidence intervals and tests");
}

}  // namespace chimera::cli
