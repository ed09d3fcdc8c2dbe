#include "chimera/cli/commands.hpp"

namespace chimera::cli {

Command add_report_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  return not_built_yet(root, "report", "Re-render stored results as Markdown, HTML, CSV, JSON or JSONL");
}

}  // namespace chimera::cli
