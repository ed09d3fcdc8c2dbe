#include <memory>

#include "chimera/cli/bench_command.hpp"

namespace chimera::cli {

Command add_sweep_command(CLI::App& root, const GlobalOptions& globals) {
  auto options = std::make_shared<BenchCliOptions>();
  auto sweep = std::make_shared<SweepCliOptions>();
  auto* app = root.add_subcommand(
      "sweep", "Run the Cartesian product of option lists and rank the configurations");
  app->footer(
      std::string(kMetricsHelp) +
      "\n\nThe grid is ordered so that load-affecting options (num_ctx, num_gpu, ...) change "
      "as rarely as possible.\nAn interrupted sweep (Ctrl-C, kill, crash) resumes when the "
      "same command is run again with the same --store.\n\nExamples:\n"
      "  chimera sweep --sim --num-gpu 60,80,999 --num-ctx 1024,2048 --temperature 0.4,0.8\n"
      "  chimera sweep -m gemma3:latest --num-ctx 1024,4096 --rank score --weights "
      "tps=0.7,ttft=0.3 --recommend best.yaml");
  add_bench_options(*app, *options);
  options->runs = 3;
  app->get_option("--runs")->default_str("3");
  app->add_option("--rank", sweep->rank_by,
                  "Rank by decode tokens/s (tps), TTFT (ttft) or a weighted score")
      ->check(CLI::IsMember({"tps", "ttft", "score"}))
      ->capture_default_str();
  app->add_option("--weights", sweep->weights, "Weights for --rank score, e.g. tps=0.7,ttft=0.3");
  app->add_option("--recommend", sweep->recommend_path,
                  "Write the recommended profile (YAML, loadable with --config) to this file");
  app->add_option("--profile-name", sweep->profile_name, "Name of the recommended profile")
      ->capture_default_str();
  app->add_flag("--fresh", sweep->fresh, "Start over instead of resuming an unfinished sweep");
  app->add_flag("--allow-partial", sweep->allow_partial,
                "Recommend a profile even from a partial sweep (interrupted, or not every "
                "configuration finished), marked PARTIAL; without it a partial sweep recommends "
                "nothing");
  app->add_option("--shard", sweep->shard,
                  "Run only part of the grid: I/N (the grid points whose position modulo N is I), "
                  "N (the index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) or auto (index "
                  "and count from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)");
  app->add_flag("--distributed", sweep->distributed,
                "Register the sweep's cells in the PostgreSQL --store for `chimera worker` "
                "processes on any machine, print its id and return (measures nothing)");
  app->add_option("--permits", sweep->permits,
                  "With --distributed: at most this many workers measure the same server at once "
                  "(0: no limit; with --sim each worker has its own simulator)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_flag("--status", sweep->status,
                "Show a distributed sweep's progress per worker (with --store, --sweep)");
  app->add_option("--sweep", sweep->sweep_id, "For --status: the sweep id (default: the latest)");
  return Command{app, [options, sweep, &globals] {
                   return run_benchmark_command(*options, globals, sweep.get());
                 }};
}

}  // namespace chimera::cli
