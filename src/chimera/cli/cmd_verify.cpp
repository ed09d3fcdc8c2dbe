// `chimera verify FILE.md --artifacts DIR [--run RUN_DIR]`: checks the figures
// of any Markdown report against the data and, with --run, a run's
// measurements. Exit 0 when every checkable figure is verified or derived, 3
// when some are misattributed or unverified, 2 for bad arguments, 1 when an
// input cannot be read.

#include <cstdio>
#include <memory>

#include "chimera/cli/commands.hpp"
#include "chimera/orchestrate/verify/verify_report.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::cli {
namespace {

struct VerifyArgs {
  std::string report;
  std::vector<std::string> artifacts;
  std::string run_dir;
  std::string format = "text";
};

int run_verify(const VerifyArgs& args, const GlobalOptions& globals) {
  const bool json = globals.json || args.format == "json";
  if (args.format != "text" && args.format != "json") {
    throw UsageError("--format takes text or json, not '" + args.format + "'");
  }
  orchestrate::VerifyReportOptions options;
  options.report = args.report;
  options.artifacts.assign(args.artifacts.begin(), args.artifacts.end());
  if (!args.run_dir.empty()) options.run_dir = args.run_dir;
  const auto result = orchestrate::verify_report(options);
  const std::string text = json ? dump_json(orchestrate::verify_json(result), 2) + "\n"
                                : orchestrate::render_verify_text(result);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return result.doubtful() == 0 ? kExitOk : kExitPartial;
}

}  // namespace

Command add_verify_command(CLI::App& root, const GlobalOptions& globals) {
  auto* app = root.add_subcommand(
      "verify", "Check every figure of a Markdown report against artifacts and a run");
  auto args = std::make_shared<VerifyArgs>();
  app->add_option("report", args->report, "The Markdown report to check")->required();
  app->add_option("--artifacts", args->artifacts,
                  "Directory of benchmark data the report describes (repeatable)")
      ->required();
  app->add_option("--run", args->run_dir,
                  "A `chimera run` output directory (its last finished run_N/) or a run_N/ "
                  "directory: its agents' measurements and settings are known too");
  app->add_option("--format", args->format,
                  "text (default) or json (figures[] as in metrics.json)");
  app->footer(
      "Classes: verified, derived, misattributed, unverified, trivial (docs/AGENTS.md).\n"
      "Exit status: 0 every checkable figure verified or derived; 3 some misattributed or "
      "unverified;\n2 bad arguments; 1 an input could not be read.");
  return Command{app, [args, &globals] { return run_verify(*args, globals); }};
}

}  // namespace chimera::cli
