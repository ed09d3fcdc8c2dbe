#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_doctor_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "doctor", "Check endpoints: reachable, version, models, layer counts");
}

}  // namespace chimera::cli
