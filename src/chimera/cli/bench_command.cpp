#include "chimera/cli/bench_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "chimera/backends/backend.hpp"
#include "chimera/orchestrate/benchmark.hpp"
#include "chimera/orchestrate/sim_launcher.hpp"
#include "chimera/orchestrate/sweep.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/report/reporter.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {
namespace {

// What identifies "the same sweep again" for resuming: everything that changes
// what is measured, nothing that only changes where results are written.
nlohmann::json run_arguments(const BenchCliOptions& o, const std::string& backend_kind,
                             const std::string& endpoint, const orchestrate::RunPlan& plan,
                             const std::vector<orchestrate::GridPoint>& grid) {
  nlohmann::json args;
  args["backend"] = backend_kind;
  args["endpoint"] = o.sim ? std::string("sim") : endpoint;
  args["api"] = plan.api;
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& p : grid) keys.push_back(p.key);
  args["grid"] = keys;
  args["prompts"] = plan.prompts;
  args["system"] = plan.system;
  args["runs"] = plan.runs;
  args["warmup"] = plan.warmup;
  args["concurrency"] = plan.concurrency;
  args["cold"] = plan.cold;
  return args;
}

std::unique_ptr<backends::Backend> connect(const BenchCliOptions& o, const std::string& url,
                                           const std::string& kind) {
  backends::BackendOptions bo;
  bo.kind = kind;
  bo.url = url;
  bo.cold_threshold_ms = o.cold_threshold_ms;
  bo.call_timeouts = {o.timeout_connect_s * 1e3, o.timeout_first_token_s * 1e3,
                      o.timeout_idle_s * 1e3, o.timeout_total_s * 1e3};
  auto backend = backends::make_backend(bo);
  if (!backend) throw UsageError(backend.error().message);
  auto info = (*backend)->server_info();
  if (!info) {
    throw Error(fmt::format("{}\nNothing was measured. To try Chimera without a server, add --sim.",
                            info.error().message));
  }
  return std::move(*backend);
}

void write_recommendation(const std::string& path, const std::string& yaml) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << yaml;
    if (!out) throw Error(fmt::format("Could not write the recommended profile to '{}'", path));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw Error(fmt::format("Could not write the recommended profile to '{}'", path));
  }
}

}  // namespace

int run_benchmark_command(const BenchCliOptions& o, const GlobalOptions& globals,
                          const SweepCliOptions* sweep) {
  orchestrate::RunPlan plan = plan_template(o);
  const auto axes = option_axes(o);
  std::vector<std::string> models = o.models;
  if (models.empty()) models.push_back("gemma3:latest");
  auto grid = orchestrate::build_grid(models, axes);
  if (!sweep && grid.size() > 1) {
    term::warn(
        fmt::format("{} configurations from the option lists: each is benchmarked in turn "
                    "(`chimera sweep` also ranks them and resumes)",
                    grid.size()));
  }
  if (o.cold && o.concurrency > 1) {
    throw UsageError(
        "--cold unloads the model before each request, so it runs one at a time; "
        "drop --concurrency or --cold");
  }

  orchestrate::RankOptions rank;
  if (sweep) {
    rank.by = *orchestrate::rank_by_from_string(sweep->rank_by);
    auto weighted = orchestrate::parse_weights(sweep->weights, rank);
    if (!weighted) throw UsageError(weighted.error().message);
    rank = *weighted;
  }

  orchestrate::SimLauncher sims;
  std::string url = o.endpoint;
  std::string kind = o.backend;
  if (o.sim) {
    url = sims.start(orchestrate::sim_config_from(o.sim_config));
    if (kind == "openai") url += "/v1";
  }
  auto backend = connect(o, url, kind);

  // num_gpu beyond the model's layers is all "full offload".
  for (const auto& model : models) {
    if (auto shown = backend->show(model); shown && shown->layers) {
      if (auto warning = orchestrate::num_gpu_warning(axes, model, *shown->layers))
        term::warn(*warning);
    }
  }

  std::unique_ptr<store::ResultStore> db;
  if (!o.no_store) {
    auto opened = store::open_store(o.store);
    if (!opened)
      throw Error(fmt::format("Could not open the results store '{}': {}", o.store,
                              opened.error().message));
    db = std::move(*opened);
  }

  orchestrate::BenchmarkSpec spec;
  spec.kind = sweep ? store::RunKind::kSweep : store::RunKind::kBench;
  spec.grid = grid;
  spec.plan = plan;
  spec.store = db.get();
  spec.resume = sweep ? !sweep->fresh : false;
  spec.args = run_arguments(o, backend->kind(), backend->endpoint(), plan, grid);
  spec.simulated = o.sim;
  if (sweep) {
    spec.ranking =
        report::Ranking{rank.by == orchestrate::RankBy::kTtft ? report::Metric::kTtftMs
                                                              : report::Metric::kDecodeTps,
                        rank.by != orchestrate::RankBy::kTtft};
  }
  auto requests_source = [&db](std::optional<std::int64_t> run_id) -> report::RequestSource {
    if (!db || !run_id) return {};
    return [&db, id = *run_id](const report::RequestSink& sink) -> Expected<void> {
      auto n = db->requests(id, std::nullopt,
                            [&](std::int64_t, const measure::RequestResult& r) { sink(r); });
      if (!n) return std::unexpected(n.error());
      return {};
    };
  };
  spec.on_report = [&](const report::BenchReport& r, std::optional<std::int64_t> id) {
    if (o.outputs.empty()) return;
    if (auto written = report::write_outputs(r, requests_source(id), o.outputs); !written) {
      term::warn(written.error().message);
    }
  };

  auto outcome = orchestrate::run_benchmark(*backend, spec);
  const auto run_id = outcome.run_id;
  if (outcome.resumed) {
    term::warn(fmt::format("resumed unfinished {} run {} from {}: {} configuration(s) already done",
                           sweep ? "sweep" : "bench", *outcome.run_id, db->description(),
                           outcome.configurations_reused));
  }
  for (const auto& note : outcome.notes) term::warn(note);

  // Results: JSON on stdout with --json, else the console table (and the ranking).
  std::vector<orchestrate::RankedConfiguration> ranking;
  if (sweep) ranking = orchestrate::rank_configurations(outcome.report, rank);
  std::string recommendation;
  if (sweep && !ranking.empty() && ranking.front().has_data) {
    recommendation = orchestrate::recommended_profile_yaml(outcome.report, ranking.front(), rank,
                                                           sweep->profile_name);
    if (!sweep->recommend_path.empty()) write_recommendation(sweep->recommend_path, recommendation);
  }

  if (globals.json) {
    auto j = report::to_json(outcome.report);
    if (run_id) j["run_id"] = *run_id;
    if (sweep) {
      nlohmann::json order = nlohmann::json::array();
      for (const auto& r : ranking) {
        order.push_back({{"key", outcome.report.configurations[r.index].key},
                         {"has_data", r.has_data},
                         {"decode_tps_mean", r.decode_tps},
                         {"ttft_ms_mean", r.ttft_ms},
                         {"score", r.score}});
      }
      j["ranking"] = {{"by", sweep->rank_by}, {"order", order}};
      j["recommended_profile_yaml"] = recommendation;
    }
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    auto console = report::make_reporter("console");
    if (console) (void)(*console)->write(outcome.report, {}, std::cout);
    if (sweep) {
      std::cout << "\n"
                << term::bold("Ranking") << " (measured"
                << (outcome.report.simulated ? ", SIMULATED server" : "") << ")\n\n"
                << orchestrate::ranking_table(outcome.report, ranking, rank);
      if (!recommendation.empty()) {
        std::cout << "\n" << term::bold("Recommended profile") << "\n\n" << recommendation;
        if (!sweep->recommend_path.empty()) {
          std::cout << "(written to " << sweep->recommend_path << ")\n";
        }
      }
    }
    if (db && run_id) {
      std::cout << "\nStored as run " << *run_id << " in " << db->description()
                << " (re-render with: chimera report --store " << o.store << " --run " << *run_id
                << ")\n";
    }
  }

  if (outcome.interrupted) return kExitInterrupted;
  if (outcome.failed > 0) return kExitPartial;
  return kExitOk;
}

}  // namespace chimera::cli
