#pragma once
// Every subcommand lives in its own file cli/cmd_<name>.cpp and is added to the
// root application here. A command's `run` returns the process exit code.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace chimera::cli {

struct GlobalOptions {
  bool json = false;      // machine-readable output on stdout
  bool no_color = false;  // also honoured: NO_COLOR
  bool quiet = false;
  std::string config_path;  // YAML file with profiles, personas, scenarios
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_run_command(CLI::App& root, const GlobalOptions& globals);
Command add_inventory_command(CLI::App& root, const GlobalOptions& globals);
Command add_bench_command(CLI::App& root, const GlobalOptions& globals);
Command add_sweep_command(CLI::App& root, const GlobalOptions& globals);
Command add_compare_command(CLI::App& root, const GlobalOptions& globals);
Command add_report_command(CLI::App& root, const GlobalOptions& globals);
Command add_sim_command(CLI::App& root, const GlobalOptions& globals);
Command add_doctor_command(CLI::App& root, const GlobalOptions& globals);
Command add_worker_command(CLI::App& root, const GlobalOptions& globals);
Command add_verify_command(CLI::App& root, const GlobalOptions& globals);

// For a command whose implementation has not landed yet: it says so and exits 1.
Command not_built_yet(CLI::App& root, const std::string& name, const std::string& description);

// Entry point used by apps/chimera/main.cpp.
int main(int argc, char** argv);

}  // namespace chimera::cli
