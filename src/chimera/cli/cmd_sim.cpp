#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_sim_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "sim", "Run a simulated Ollama/OpenAI inference server");
}

}  // namespace chimera::cli
