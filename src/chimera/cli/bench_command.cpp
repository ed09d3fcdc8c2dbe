#include "chimera/cli/bench_command.hpp"

#include <fmt/format.h>

#include <iostream>
#include <stdexcept>

#include "chimera/orchestrate/bench/distributed.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/report/reporter.hpp"
#include "chimera/report/sweep_ranking.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {
namespace {

orchestrate::BenchSessionOptions session_options(const BenchCliOptions& o,
                                                 const SweepCliOptions* sweep) {
  orchestrate::BenchSessionOptions s;
  s.plan = plan_template(o);
  s.axes = option_axes(o);
  s.models = o.models;
  s.endpoint = o.endpoint;
  s.backend_kind = o.backend;
  s.sim = o.sim;
  s.sim_config = o.sim_config;
  s.cold_threshold_ms = o.cold_threshold_ms;
  s.max_line_bytes = o.max_line_bytes;
  if (!o.no_store) s.store_url = o.store;
  s.store_options = store_options(o.store_reconnect_s);
  s.outputs = o.outputs;
  if (sweep) s.sweep = *sweep;
  auto levels = load_levels(o);
  s.loads = std::move(levels.levels);
  s.rate_sweep_points = levels.sweep_points;
  if (sweep && !sweep->shard.empty()) {
    s.shard =
        orchestrate::parse_shard(sweep->shard, orchestrate::scheduler_index_from_environment());
  }
  return s;
}

void print_console(const orchestrate::BenchSessionResult& result, const BenchCliOptions& o,
                   const SweepCliOptions* sweep) {
  const auto& report = result.outcome.report;
  if (auto console = report::make_reporter("console"))
    (void)(*console)->write(report, {}, std::cout);
  if (sweep) {
    std::cout << "\n"
              << term::bold("Ranking") << " (measured"
              << (report.simulated ? ", SIMULATED server" : "") << ")\n\n"
              << report::ranking_table(report, result.ranking, result.rank);
    if (!result.recommendation.empty()) {
      std::cout << "\n"
                << term::bold(result.coverage.partial() ? "Recommended profile (PARTIAL sweep)"
                                                        : "Recommended profile")
                << "\n\n"
                << result.recommendation;
      if (!sweep->recommend_path.empty()) {
        std::cout << "(written to " << sweep->recommend_path << ")\n";
      }
    }
  }
  if (!result.store_description.empty() && result.outcome.run_id &&
      !result.outcome.store_failure.empty()) {
    std::cout << "\nRun " << *result.outcome.run_id << " in " << result.store_description
              << " holds only part of the requests: the store failed during the run\n";
  } else if (!result.store_description.empty() && result.outcome.run_id) {
    const auto id = *result.outcome.run_id;
    std::cout << "\nStored as run " << id << " in " << result.store_description
              << " (re-render with: chimera report --store " << store::redact_store_url(o.store)
              << " --run " << id << ")\n";
  }
}

std::optional<std::int64_t> sweep_id_option(const std::string& text) {
  if (text.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const auto id = std::stoll(text, &used);
    if (used == text.size() && id > 0) return id;
  } catch (const std::logic_error&) {
  }
  throw UsageError(fmt::format("--sweep '{}' is not a sweep id", text));
}

int print_status(const BenchCliOptions& o, const SweepCliOptions& sweep,
                 const GlobalOptions& globals) {
  const auto status = orchestrate::distributed_status(o.store, sweep_id_option(sweep.sweep_id));
  const int total = status.pending + status.leased + status.done + status.failed;
  if (globals.json) {
    nlohmann::json workers = nlohmann::json::array();
    for (const auto& w : status.workers) {
      workers.push_back({{"worker", w.owner},
                         {"done", w.done},
                         {"leased", w.leased},
                         {"last_heartbeat", w.last_heartbeat}});
    }
    std::cout << nlohmann::json{{"sweep_id", status.sweep_id},
                                {"run_id", status.run_id},
                                {"cells", total},
                                {"pending", status.pending},
                                {"leased", status.leased},
                                {"done", status.done},
                                {"failed", status.failed},
                                {"workers", workers}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << fmt::format(
      "Sweep {} (run {}) in {}: {}/{} cells done, {} running, {} pending, {} failed\n\n",
      status.sweep_id, status.run_id, store::redact_store_url(o.store), status.done, total,
      status.leased, status.pending, status.failed);
  std::cout << fmt::format("{:<40} {:>6} {:>8}  {}\n", "worker", "done", "running",
                           "last heartbeat (UTC, database clock)");
  for (const auto& w : status.workers) {
    std::cout << fmt::format("{:<40} {:>6} {:>8}  {}\n", w.owner, w.done, w.leased,
                             w.last_heartbeat);
  }
  return kExitOk;
}

int register_sweep(const orchestrate::BenchSessionOptions& options, const GlobalOptions& globals) {
  const auto r = orchestrate::register_distributed_sweep(options).registration;
  if (globals.json) {
    std::cout << nlohmann::json{{"sweep_id", r.sweep_id},
                                {"run_id", r.run_id},
                                {"cells", r.cells},
                                {"created", r.created}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  const auto where = store::redact_store_url(options.store_url);
  std::cout << fmt::format("{} sweep {} ({} cells, results in run {}) in {}\n",
                           r.created ? "Registered" : "Already registered:", r.sweep_id, r.cells,
                           r.run_id, where);
  std::cout << fmt::format(
      "Start workers with: chimera worker --store {} --sweep {}\nProgress: chimera sweep "
      "--status --store {} --sweep {}\n",
      where, r.sweep_id, where, r.sweep_id);
  return kExitOk;
}

// What could not be written where it was asked to be: the store that failed
// (how many requests it lacks, and where they are instead) and each export
// file. True when there was any.
bool report_lost_writes(const orchestrate::BenchSessionResult& result, const BenchCliOptions& o) {
  const auto& outcome = result.outcome;
  for (const auto& failure : result.export_failures) {
    std::cerr << "chimera: " << failure << "\n";
  }
  if (!outcome.store_failure.empty()) {
    std::vector<std::string> exports;
    for (const auto& spec : o.outputs) {
      if (auto parsed = report::parse_output_spec(spec)) exports.push_back(parsed->path);
    }
    std::cerr << fmt::format(
        "chimera: the results store failed: {}\n{} request(s) are not stored ({} of them "
        "warm-ups); {}; the run is not marked complete in the store.\n",
        outcome.store_failure, outcome.unstored, outcome.unstored_warmups,
        exports.empty()
            ? std::string("they are in the figures above only (--output FILE.jsonl keeps every "
                          "request)")
            : fmt::format("they are in the figures above and in {}", fmt::join(exports, ", ")));
  }
  return !outcome.store_failure.empty() || !result.export_failures.empty();
}

}  // namespace

int run_benchmark_command(const BenchCliOptions& o, const GlobalOptions& globals,
                          const SweepCliOptions* sweep) {
  if (sweep && sweep->status) return print_status(o, *sweep, globals);
  const auto options = session_options(o, sweep);
  if (sweep && sweep->distributed) {
    if (options.shard)
      throw UsageError("--shard and --distributed are two ways to split a sweep; pick one");
    return register_sweep(options, globals);
  }
  const auto result = orchestrate::run_bench_session(options);
  if (globals.json) {
    std::cout << dump_json(orchestrate::to_json(result, options), 2) << "\n";
  } else {
    print_console(result, o, sweep);
  }
  std::cout.flush();
  if (report_lost_writes(result, o)) return kExitFatal;
  if (result.outcome.interrupted) return kExitInterrupted;
  if (result.outcome.failed > 0) return kExitPartial;
  return kExitOk;
}

}  // namespace chimera::cli
