#include <memory>

#include "chimera/cli/bench_command.hpp"

namespace chimera::cli {

Command add_bench_command(CLI::App& root, const GlobalOptions& globals) {
  auto options = std::make_shared<BenchCliOptions>();
  auto* app = root.add_subcommand("bench",
                                  "Benchmark one configuration: warm-up + N runs, full statistics");
  app->footer(
      std::string(kMetricsHelp) +
      "\n\nExamples:\n  chimera bench --sim --runs 10\n"
      "  chimera bench -e http://localhost:11434 -m gemma3:latest --num-ctx 1024 -n 20 -c 4\n"
      "  chimera bench --backend openai -e http://localhost:8000/v1 -m my-model --output r.json");
  add_bench_options(*app, *options);
  return Command{app,
                 [options, &globals] { return run_benchmark_command(*options, globals, nullptr); }};
}

}  // namespace chimera::cli
