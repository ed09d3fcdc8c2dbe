#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "chimera/cli/commands.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/summary.hpp"
#include "chimera/report/inventory.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {
namespace {

struct InventoryArgs {
  std::vector<std::string> dirs;
  std::size_t budget = 0;
  std::string output;
  bool follow_symlinks = false;
};

int run_inventory(const InventoryArgs& args, const GlobalOptions& globals) {
  std::vector<std::filesystem::path> roots(args.dirs.begin(), args.dirs.end());
  ingest::IngestOptions options;
  options.follow_symlinks = args.follow_symlinks;
  std::size_t seen = 0;
  options.on_file = [&seen](const std::filesystem::path&) {
    if (++seen % 1000 == 0) term::progress(fmt::format("inventory: {} files read", seen));
  };
  const ingest::Analysis analysis = ingest::analyse(roots, options);
  term::progress_done();

  for (const auto& root : analysis.inventory.roots) {
    if (!root.exists) term::warn(fmt::format("'{}' is absent: {}", root.path, root.message));
  }
  for (const auto& line : ingest::links_not_followed(analysis)) term::warn(line);

  std::string text;
  if (globals.json) {
    nlohmann::json document = ingest::to_json(analysis);
    if (args.budget > 0) document["data_summary"] = ingest::data_summary(analysis, args.budget);
    text = dump_json(document, 2) + "\n";
  } else if (args.budget > 0) {
    text = ingest::data_summary(analysis, args.budget);
  } else {
    text = report::render_inventory_markdown(analysis);
  }

  if (args.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    // Through a temporary file and a rename: a failed write (a full disk)
    // leaves no partial or empty file behind.
    value_or_throw(report::write_file_atomically(args.output, text));
  }
  if (!analysis.any_root_exists()) {
    throw Error("none of the given directories exists; nothing was inventoried");
  }
  return kExitOk;
}

}  // namespace

Command add_inventory_command(CLI::App& root, const GlobalOptions& globals) {
  auto args = std::make_shared<InventoryArgs>();
  auto* app = root.add_subcommand(
      "inventory",
      "Inventory and analyse a folder of benchmark artifacts (no LLM needed): files per type and "
      "directory, tables, metrics, best/worst configurations, gaps, each fact with its source");
  app->add_option("dirs", args->dirs,
                  "Directories (or single files) to inventory (absent ones are reported)")
      ->required();
  app->add_flag("--follow-symlinks", args->follow_symlinks,
                "Follow symbolic links that lead out of the given directories (by default they "
                "are listed, not followed; /proc, /sys and /dev are never read)");
  app->add_option("--budget", args->budget,
                  "Print the ranked data summary an agent would get, fitted to N tokens")
      ->check(CLI::PositiveNumber);
  app->add_option("--output,-o", args->output, "Write to FILE instead of stdout");
  app->footer(
      "Markdown by default; --json (before or after the command) for the full machine-readable "
      "analysis. Exit 1 when none of the directories exists.");
  return Command{app, [args, &globals] { return run_inventory(*args, globals); }};
}

}  // namespace chimera::cli
