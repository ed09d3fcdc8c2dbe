#include "chimera/orchestrate/bench/session.hpp"

#include <fmt/format.h>

#include "chimera/orchestrate/bench/load_table.hpp"
#include "chimera/orchestrate/bench/ownership.hpp"
#include "chimera/orchestrate/bench/rate_sweep.hpp"
#include "chimera/orchestrate/common/files.hpp"
#include "chimera/orchestrate/common/server.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::orchestrate {
namespace {

// What identifies "the same sweep again" for resuming: everything that changes
// what is measured, nothing that only changes where results are written.
nlohmann::json run_arguments(const BenchSessionOptions& o, const backends::Backend& backend,
                             const std::vector<GridPoint>& grid) {
  nlohmann::json args;
  args["backend"] = backend.kind();
  args["endpoint"] = o.sim ? std::string("sim") : backend.endpoint();
  args["api"] = o.plan.api;
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& p : grid) keys.push_back(p.key);
  args["grid"] = keys;
  args["prompts"] = o.plan.prompts;
  args["system"] = o.plan.system;
  args["runs"] = o.plan.runs;
  args["warmup"] = o.plan.warmup ? nlohmann::json(*o.plan.warmup) : nlohmann::json("load");
  args["concurrency"] = o.plan.concurrency;
  args["cold"] = o.plan.cold;
  if (o.plan.open_loop) {
    const auto& ol = *o.plan.open_loop;
    args["open_loop"] = {{"arrival", load::to_string(ol.arrival)},
                         {"burstiness", ol.burstiness},
                         {"seed", ol.seed},
                         {"ramp_up_s", ol.ramp_up_s},
                         {"duration_s", ol.duration_s ? nlohmann::json(*ol.duration_s) : nullptr},
                         {"requests", ol.requests ? nlohmann::json(*ol.requests) : nullptr},
                         {"max_concurrency", ol.max_concurrency}};
  }
  if (o.plan.slo) args["slo"] = load::to_string(*o.plan.slo);
  if (o.rate_sweep_points) args["rate_sweep"] = *o.rate_sweep_points;
  if (o.shard) args["shard"] = fmt::format("{}/{}", o.shard->first, o.shard->second);
  return args;
}

}  // namespace

ConnectedServer connect_backend(const BenchSessionOptions& o, const std::string& url) {
  backends::BackendOptions bo;
  bo.kind = o.backend_kind;
  bo.url = url;
  bo.cold_threshold_ms = o.cold_threshold_ms;
  bo.max_line_bytes = o.max_line_bytes;
  // The pre-check obeys the user's limits, not only the measured calls.
  bo.call_timeouts = o.plan.timeouts;
  auto backend = value_or_throw<UsageError>(backends::make_backend(bo));
  const auto info = backend->server_info();
  if (!info) {
    throw Error(fmt::format("{}\nNothing was measured. To try Chimera without a server, add --sim.",
                            info.error().message));
  }
  return {std::move(backend), !info->simulator.empty()};
}

namespace {

std::vector<GridPoint> shard_of(const std::vector<GridPoint>& grid, int index, int count) {
  std::vector<GridPoint> mine;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    if (static_cast<int>(i % static_cast<std::size_t>(count)) == index) mine.push_back(grid[i]);
  }
  return mine;
}

RankOptions rank_options(const BenchSessionOptions& o) {
  RankOptions rank;
  if (!o.sweep) return rank;
  rank.by = rank_by_from_string(o.sweep->rank_by).value_or(RankBy::kDecodeTps);
  return value_or_throw<UsageError>(parse_weights(o.sweep->weights, rank));
}

void check_options(const BenchSessionOptions& o, std::size_t grid_size) {
  if (!o.sweep && grid_size > 1) {
    term::warn(
        fmt::format("{} configurations from the option lists: each is benchmarked in turn "
                    "(`chimera sweep` also ranks them and resumes)",
                    grid_size));
  }
  if (o.plan.cold && o.plan.concurrency > 1) {
    throw UsageError(
        "--cold unloads the model before each request, so it runs one at a time; "
        "drop --concurrency or --cold");
  }
}

// num_gpu beyond the model's layers is all "full offload".
void warn_num_gpu(backends::Backend& backend, const BenchSessionOptions& o,
                  const std::vector<std::string>& models) {
  for (const auto& model : models) {
    if (auto shown = backend.show(model); shown && shown->layers) {
      if (auto warning = num_gpu_warning(o.axes, model, *shown->layers)) term::warn(*warning);
    }
  }
}

std::unique_ptr<store::ResultStore> open_results_store(const std::string& url,
                                                       const store::StoreOptions& options) {
  if (url.empty()) return nullptr;
  auto opened = store::open_store(url, options);
  if (!opened) {
    throw Error(fmt::format("Could not open the results store '{}': {}",
                            store::redact_store_url(url), opened.error().message));
  }
  return std::move(*opened);
}

// The export files (--output) are rewritten after every configuration. Only
// the last write (the run finished or was interrupted) replays the stored
// requests: until then the HTML draws its curves from the summaries and the
// JSONL (every request, read back from the store) waits, so a sweep reads its
// requests once rather than once per configuration. A failure of the last
// write is the command's (`failures`); an earlier one only warns.
std::function<void(const report::BenchReport&, const report::RequestSource&)> output_writer(
    const BenchSessionOptions& o, std::vector<std::string>& failures) {
  return [all = o.outputs, &failures](const report::BenchReport& r,
                                      const report::RequestSource& requests) {
    const bool last = !r.finished_at.empty();
    std::vector<std::string> outputs;
    for (const auto& spec : all) {
      auto parsed = report::parse_output_spec(spec);
      if (last || !parsed || parsed->format != "jsonl") outputs.push_back(spec);
    }
    if (outputs.empty()) return;
    auto written = report::write_outputs(r, last ? requests : report::RequestSource{}, outputs);
    if (written) return;
    if (last) {
      failures.push_back(written.error().message);
    } else {
      term::warn(written.error().message);
    }
  };
}

// A partial sweep (interrupted, or not every planned configuration finished)
// recommends only with --allow-partial, and its profile then says it is partial.
void rank_and_recommend(const BenchSessionOptions& o, std::size_t planned,
                        BenchSessionResult& result) {
  if (!o.sweep) return;
  const auto& report = result.outcome.report;
  result.ranking = rank_configurations(report, result.rank);
  result.coverage = sweep_coverage(report, planned, result.outcome.interrupted);
  if (result.ranking.empty() || !result.ranking.front().has_data) return;
  const auto& coverage = result.coverage;
  if (coverage.partial() && !o.sweep->allow_partial) {
    result.recommendation_note = fmt::format(
        "no recommended profile{}: the sweep is partial ({} of {} configurations finished{}); "
        "run the same command again to resume it, or add --allow-partial to recommend the best "
        "of the finished ones",
        o.sweep->recommend_path.empty() ? ""
                                        : fmt::format(" ({} not written)", o.sweep->recommend_path),
        coverage.finished, coverage.planned, coverage.interrupted ? ", interrupted" : "");
    return;
  }
  if (coverage.partial()) {
    result.recommendation_note = fmt::format(
        "the recommended profile comes from a partial sweep: {} of {} configurations "
        "finished",
        coverage.finished, coverage.planned);
  }
  result.recommendation = recommended_profile_yaml(report, result.ranking.front(), result.rank,
                                                   o.sweep->profile_name, coverage);
  if (o.sweep->recommend_path.empty()) return;
  try {
    write_text(o.sweep->recommend_path, result.recommendation);
  } catch (const Error&) {
    throw Error(
        fmt::format("Could not write the recommended profile to '{}'", o.sweep->recommend_path));
  }
}

// Every grid point at every load level, load varying fastest (a server
// option change may reload the model; a load change does not).
std::vector<GridPoint> at_loads(const std::vector<GridPoint>& grid,
                                const std::vector<LoadLevel>& loads) {
  if (loads.empty()) return grid;
  std::vector<GridPoint> out;
  for (const auto& point : grid) {
    for (const auto& level : loads) out.push_back(at_load(point, level));
  }
  return out;
}

// --rate sweep: one configuration, its load levels planned as it goes.
RateSweepPlanner rate_sweep_planner(const BenchSessionOptions& o,
                                    const std::vector<GridPoint>& grid) {
  if (grid.size() != 1) {
    throw UsageError(fmt::format(
        "--rate sweep measures one configuration at many rates, but the option lists give {}; "
        "give one value per option (or list the rates: --rate 1,2,4)",
        grid.size()));
  }
  if (!o.plan.open_loop) throw UsageError("--rate sweep needs the open-loop settings");
  RateSweepSettings settings;
  settings.points = *o.rate_sweep_points;
  settings.slo = o.plan.slo;
  if (const auto& d = o.plan.open_loop->duration_s) {
    if (*d < load::kSweepMinHoldS) {
      throw UsageError(fmt::format(
          "--rate sweep holds the server saturated for --duration seconds to measure its "
          "maximum rate: give at least {:g} (it is {:g})",
          load::kSweepMinHoldS, *d));
    }
    settings.hold_s = *d;
  }
  if (o.plan.open_loop->max_concurrency > 0) {
    settings.max_concurrency = o.plan.open_loop->max_concurrency;
  }
  return RateSweepPlanner(grid[0], settings);
}

}  // namespace

BenchSessionResult run_bench_session(const BenchSessionOptions& o) {
  std::vector<std::string> models = o.models;
  if (models.empty()) models.push_back("gemma3:latest");
  auto options_grid = build_grid(models, o.axes);
  check_options(o, options_grid.size());
  if (o.shard) options_grid = shard_of(options_grid, o.shard->first, o.shard->second);
  std::optional<RateSweepPlanner> planner;
  if (o.rate_sweep_points) planner.emplace(rate_sweep_planner(o, options_grid));
  const auto grid =
      planner ? std::vector<GridPoint>{planner->first()} : at_loads(options_grid, o.loads);
  BenchSessionResult result;
  result.rank = rank_options(o);

  SimLauncher sims;
  const std::string url =
      o.sim ? simulator_url(sims.start(sim_config_from(o.sim_config)), o.backend_kind) : o.endpoint;
  auto server = connect_backend(o, url);
  auto& backend = server.backend;
  warn_num_gpu(*backend, o, models);
  // Without a store, exports still need the requests: they are kept in an
  // in-memory one that nothing else sees.
  const bool memory_only = o.store_url.empty() && !o.outputs.empty();
  const auto db = open_results_store(memory_only ? ":memory:" : o.store_url, o.store_options);

  BenchmarkSpec spec;
  spec.kind = o.sweep ? store::RunKind::kSweep : store::RunKind::kBench;
  spec.grid = grid;
  spec.plan = o.plan;
  spec.store = db.get();
  spec.args = run_arguments(o, *backend, grid);
  const auto owner = memory_only ? StoreOwnership{}
                                 : own_stored_run(o.store_url, fingerprint(spec.args),
                                                  o.sweep.has_value(), !o.sweep || !o.sweep->fresh);
  if (owner.note) term::warn(*owner.note);
  spec.resume = owner.resume && db != nullptr && !memory_only;
  spec.resumable = db != nullptr && !memory_only;
  spec.simulated =
      label_simulated(o.sim, server.simulator ? std::vector{url} : std::vector<std::string>{},
                      o.sweep ? "chimera sweep" : "chimera bench");
  if (o.sweep) {
    spec.ranking = report::Ranking{
        result.rank.by == RankBy::kTtft ? report::Metric::kTtftMs : report::Metric::kDecodeTps,
        result.rank.by != RankBy::kTtft};
  }
  spec.on_report = output_writer(o, result.export_failures);
  spec.slo = o.plan.slo;
  if (planner) {
    spec.next_point = [&planner](const report::BenchReport& r) { return planner->next(r); };
  }

  result.outcome = run_benchmark(*backend, spec);
  if (db && !memory_only) result.store_description = db->description();
  if (result.outcome.resumed) {
    term::warn(fmt::format("resumed unfinished {} run {} from {}: {} configuration(s) already done",
                           o.sweep ? "sweep" : "bench", *result.outcome.run_id,
                           result.store_description, result.outcome.configurations_reused));
  }
  for (const auto& note : result.outcome.notes) term::warn(note);
  rank_and_recommend(o, grid.size(), result);
  if (!result.recommendation_note.empty()) term::warn(result.recommendation_note);
  return result;
}

nlohmann::json to_json(const BenchSessionResult& result, const BenchSessionOptions& o) {
  const auto& report = result.outcome.report;
  auto j = report::to_json(report);
  if (result.outcome.run_id && !result.store_description.empty()) {
    j["run_id"] = *result.outcome.run_id;
  }
  if (!result.outcome.store_failure.empty()) {
    j["store_failure"] = {{"reason", result.outcome.store_failure},
                          {"requests_not_stored", result.outcome.unstored},
                          {"warmups_not_stored", result.outcome.unstored_warmups}};
  }
  if (!result.export_failures.empty()) j["export_failures"] = result.export_failures;
  if (!o.sweep) return j;
  nlohmann::json order = nlohmann::json::array();
  for (const auto& r : result.ranking) {
    order.push_back({{"key", report.configurations[r.index].key},
                     {"has_data", r.has_data},
                     {"decode_tps_mean", r.decode_tps},
                     {"ttft_ms_mean", r.ttft_ms},
                     {"score", r.score}});
  }
  nlohmann::json unfinished = nlohmann::json::array();
  for (const auto& c : report.configurations) {
    if (c.finished) continue;
    unfinished.push_back({{"key", c.key},
                          {"label", c.label},
                          {"measured", c.counts.total - c.counts.warmup},
                          {"ok", c.counts.ok}});
  }
  j["ranking"] = {{"by", o.sweep->rank_by}, {"order", order}, {"unfinished", unfinished}};
  j["coverage"] = {{"planned", result.coverage.planned},
                   {"finished", result.coverage.finished},
                   {"interrupted", result.coverage.interrupted},
                   {"partial", result.coverage.partial()}};
  j["recommended_profile_yaml"] = result.recommendation;
  j["recommendation_partial"] = !result.recommendation.empty() && result.coverage.partial();
  j["recommendation_note"] = result.recommendation_note;
  return j;
}

}  // namespace chimera::orchestrate
