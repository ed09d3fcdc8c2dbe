#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "chimera/cli/commands.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/signals.hpp"
#include "chimera/util/terminal.hpp"
#include "chimera/version.hpp"

namespace chimera::cli {
namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  success
  1  fatal error (the message says what to do next)
  2  usage error
  3  finished, but some requests failed or returned zero tokens
  130 interrupted (Ctrl-C); finished results are on disk. A second Ctrl-C
      stops waiting (for requests in flight, for a results store to come
      back) but still writes what was measured; a third exits at once.

Environment:
  OLLAMA_HOST      Ollama endpoint (default http://localhost:11434)
  OPENAI_BASE_URL  OpenAI-compatible endpoint for --backend openai
  OPENAI_API_KEY   bearer token for the OpenAI backend (never logged or written)
  NO_COLOR         disable colour

Every number Chimera prints was measured or read from an input, and says which.)";

}  // namespace

Command not_built_yet(CLI::App& root, const std::string& name, const std::string& description) {
  auto* app = root.add_subcommand(name, description + " [not built yet]");
  app->allow_extras();
  return Command{app, [name] {
                   std::fprintf(stderr,
                                "chimera: '%s' is not built yet in this version of Chimera; "
                                "nothing was done.\n",
                                name.c_str());
                   return static_cast<int>(kExitFatal);
                 }};
}

namespace {

// The first word that is not an option, when it names no command (CLI11
// alone would only say that a subcommand is required).
std::optional<std::string> unknown_command(const std::vector<Command>& commands, int argc,
                                           char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--config") {
      ++i;  // its value
      continue;
    }
    if (word.starts_with("-")) continue;
    for (const auto& command : commands) {
      if (command.app->check_name(word)) return std::nullopt;
    }
    return word;
  }
  return std::nullopt;
}

void add_global_options(CLI::App& root, GlobalOptions& globals) {
  root.set_version_flag("--version", fmt::format("chimera {}", kVersion));
  root.footer(kFooter);
  root.require_subcommand(1);
  root.fallthrough();
  root.add_flag("--json", globals.json, "Machine-readable JSON on stdout");
  root.add_flag("--no-color", globals.no_color, "Disable colour (NO_COLOR is honoured too)");
  root.add_flag("-q,--quiet", globals.quiet, "Only errors and the result");
  root.add_option("--config", globals.config_path,
                  "YAML config file (profiles, personas, scenarios)")
      ->check(CLI::ExistingFile);
}

// "'nan' is not a finite number" for a number that is not finite, else "".
std::string non_finite_text(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && !std::isfinite(value)) {
    return fmt::format("'{}' is not a finite number", text);
  }
  return {};
}

// CLI11 reads "nan" and "inf" into a double like any number: every
// floating-point option of every command refuses them, naming the option.
// The check runs before the option's own (a range would otherwise answer
// "inf not in range 0 to 1.8e308"): it joins the first of them.
void refuse_non_finite_numbers(CLI::App& app) {
  static const CLI::Validator finite([](std::string& text) { return non_finite_text(text); }, "",
                                     "FINITE");
  for (CLI::Option* option : app.get_options()) {
    if (!option->get_type_name().starts_with("FLOAT")) continue;
    CLI::Validator* first = nullptr;
    try {
      first = option->get_validator(0);
    } catch (const CLI::OptionNotFound&) {
      option->check(finite);
      continue;
    }
    first->operation([own = *first](std::string& text) {
      std::string problem = non_finite_text(text);
      return problem.empty() ? own(text) : problem;
    });
  }
  for (CLI::App* sub : app.get_subcommands({})) refuse_non_finite_numbers(*sub);
}

std::vector<Command> add_commands(CLI::App& root, const GlobalOptions& globals) {
  std::vector<Command> commands;
  commands.push_back(add_run_command(root, globals));
  commands.push_back(add_inventory_command(root, globals));
  commands.push_back(add_bench_command(root, globals));
  commands.push_back(add_sweep_command(root, globals));
  commands.push_back(add_worker_command(root, globals));
  commands.push_back(add_compare_command(root, globals));
  commands.push_back(add_report_command(root, globals));
  commands.push_back(add_verify_command(root, globals));
  commands.push_back(add_sim_command(root, globals));
  commands.push_back(add_doctor_command(root, globals));
  return commands;
}

// The one place an exception becomes a message and an exit code.
int run_parsed(const Command& command) {
  const std::string name = command.app->get_name();
  try {
    return command.run();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "chimera %s: usage error: %s\nRun 'chimera %s --help' for usage.\n",
                 name.c_str(), e.what(), name.c_str());
    return e.exit_code();
  } catch (const Error& e) {
    std::fprintf(stderr, "chimera %s: error: %s\n", name.c_str(), e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chimera %s: internal error: %s\n", name.c_str(), e.what());
    return kExitFatal;
  }
}

}  // namespace

int main(int argc, char** argv) {
  GlobalOptions globals;
  CLI::App root{
      "Chimera runs LLM agent workflows against inference servers (Ollama, OpenAI-compatible),\n"
      "measures them precisely, tunes their options by sweeps, and writes reports grounded\n"
      "in the benchmark artifacts they analysed.",
      "chimera"};
  add_global_options(root, globals);
  const std::vector<Command> commands = add_commands(root, globals);
  refuse_non_finite_numbers(root);
  if (auto unknown = unknown_command(commands, argc, argv)) {
    std::string names;
    for (const auto& command : commands) {
      names += (names.empty() ? "" : ", ") + command.app->get_name();
    }
    std::fprintf(stderr,
                 "chimera: unknown command '%s'. Commands: %s.\nRun 'chimera --help' for usage.\n",
                 unknown->c_str(), names.c_str());
    return kExitUsage;
  }
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = root.exit(e);  // prints help, version or the parse error
    return code == 0 ? kExitOk : kExitUsage;
  }
  term::set_color_disabled(globals.no_color);
  signals::install_handlers();
  for (const auto& command : commands) {
    if (command.app->parsed()) return run_parsed(command);
  }
  return kExitUsage;
}

}  // namespace chimera::cli
