// `chimera report`: re-renders stored results (from the results store, or

#include "chimera/report/format.hpp"
// from a JSON results file written by the json reporter) in any format.

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "chimera/cli/commands.hpp"
#include "chimera/report/model.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/report/reporter.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"

namespace chimera::cli {
namespace {

struct ReportOptions {
  std::string store_url;
  std::string input_path;
  std::string run = "latest";
  std::string format;
  std::vector<std::string> outputs;
  std::string rank_by;
  bool list = false;
};

std::int64_t resolve_run_id(store::ResultStore& store, const std::string& run) {
  if (run == "latest") {
    const auto latest = value_or_throw(store.latest_run_id());
    if (!latest) throw Error(fmt::format("{} holds no runs yet", store.description()));
    return *latest;
  }
  std::int64_t id = 0;
  const auto* end = run.data() + run.size();
  if (auto [ptr, ec] = std::from_chars(run.data(), end, id); ec != std::errc() || ptr != end) {
    throw UsageError(fmt::format("--run takes a run id or 'latest', not '{}'", run));
  }
  return id;
}

std::optional<report::Ranking> ranking_for(const std::string& rank_by, store::RunKind kind) {
  if (rank_by == "none") return std::nullopt;
  if (rank_by.empty()) {
    if (kind != store::RunKind::kSweep) return std::nullopt;
    return report::Ranking{report::Metric::kDecodeTps, true};
  }
  const auto metric = report::metric_from_name(rank_by);
  if (!metric) {
    std::vector<std::string> names;
    for (const auto& info : report::metric_catalog()) names.emplace_back(info.name);
    throw UsageError(
        fmt::format("--rank-by takes one of: none, {}; not '{}'", fmt::join(names, ", "), rank_by));
  }
  return report::Ranking{*metric, report::metric_info(*metric).better == stats::Better::kHigher};
}

// A distributed sweep's cell redone after its worker died (or lost its lease)
// has more than one stored attempt; only the finished one counts.
std::vector<store::ConfigurationRecord> done_attempts_only(
    std::vector<store::ConfigurationRecord> configurations) {
  std::set<std::string> done;
  for (const auto& c : configurations) {
    if (c.status == store::ConfigurationStatus::kDone) done.insert(c.key);
  }
  std::erase_if(configurations, [&](const store::ConfigurationRecord& c) {
    return c.status != store::ConfigurationStatus::kDone && done.contains(c.key);
  });
  return configurations;
}

// Summaries are rebuilt from the stored raw requests, streamed one at a time.
report::BenchReport report_from_store(store::ResultStore& store, std::int64_t run_id,
                                      const std::string& rank_by) {
  const auto run = value_or_throw(store.run(run_id));
  report::BenchReport out;
  out.tool_version = run.tool_version;
  out.command = store::to_string(run.kind);
  out.started_at = run.started_at;
  out.finished_at = run.finished_at;
  out.simulated = run.simulated;
  out.ranking = ranking_for(rank_by, run.kind);

  const auto configurations = done_attempts_only(value_or_throw(store.configurations(run_id)));
  std::map<std::int64_t, report::ConfigurationAccumulator> accumulators;
  for (const auto& c : configurations) {
    accumulators.emplace(c.id, report::ConfigurationAccumulator({.key = c.key,
                                                                 .label = c.label,
                                                                 .backend = c.backend,
                                                                 .endpoint = c.endpoint,
                                                                 .model = c.model,
                                                                 .api = c.api,
                                                                 .options = c.options}));
  }
  value_or_throw(store.requests(
      run_id, std::nullopt, [&](std::int64_t configuration_id, const measure::RequestResult& r) {
        auto it = accumulators.find(configuration_id);
        if (it != accumulators.end()) it->second.add(r);
      }));
  for (const auto& c : configurations) {
    auto result = accumulators.at(c.id).finish();
    if (c.status != store::ConfigurationStatus::kDone && result.counts.total > 0) {
      result.warnings.push_back(fmt::format(
          "this configuration did not finish (status {}); its figures cover the requests stored "
          "so far",
          store::to_string(c.status)));
    }
    out.configurations.push_back(std::move(result));
  }
  if (run.status != store::RunStatus::kComplete) {
    out.warnings.push_back(fmt::format(
        "run {} is '{}', not complete: it is still going, or it was stopped before the end{}",
        run_id, store::to_string(run.status),
        run.kind == store::RunKind::kSweep ? " (run the same sweep again to resume it)" : ""));
  }
  return out;
}

int list_runs(store::ResultStore& store, bool json) {
  const auto runs = value_or_throw(store.runs());
  nlohmann::json array = nlohmann::json::array();
  if (!json) {
    std::cout << fmt::format("{:>5}  {:<8} {:<12} {:<25} {:<25} {:>14}  {}\n", "run", "kind",
                             "status", "started (UTC)", "finished (UTC)", "configurations",
                             "simulated");
  }
  for (const auto& run : runs) {
    const auto configurations = value_or_throw(store.configurations(run.id)).size();
    if (json) {
      array.push_back({{"id", run.id},
                       {"kind", store::to_string(run.kind)},
                       {"status", store::to_string(run.status)},
                       {"started_at", run.started_at},
                       {"finished_at", run.finished_at},
                       {"configurations", configurations},
                       {"simulated", run.simulated},
                       {"tool_version", run.tool_version}});
    } else {
      std::cout << fmt::format("{:>5}  {:<8} {:<12} {:<25} {:<25} {:>14}  {}\n", run.id,
                               store::to_string(run.kind), store::to_string(run.status),
                               run.started_at,
                               run.finished_at.empty() ? report::format::kMissing : run.finished_at,
                               configurations, run.simulated ? "yes" : "no");
    }
  }
  if (json)
    std::cout << array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!json && runs.empty()) std::cout << fmt::format("(no runs in {})\n", store.description());
  return kExitOk;
}

report::BenchReport report_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("Could not read results file '{}'", path));
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    throw Error(
        fmt::format("'{}' is not JSON; --input takes a file written with --output "
                    "FILE.json",
                    path));
  }
  return value_or_throw(report::report_from_json(json), fmt::format("'{}'", path));
}

int run_report(const ReportOptions& o, const GlobalOptions& globals) {
  if (o.store_url.empty() == o.input_path.empty()) {
    throw UsageError(
        "give either --store URL (the results store) or --input FILE (a JSON results file)");
  }
  // Check every --output before reading anything, so a typo fails fast.
  for (const auto& spec : o.outputs) {
    if (auto parsed = report::parse_output_spec(spec); !parsed) {
      throw UsageError(parsed.error().message);
    }
  }
  const std::string format = globals.json ? "json" : (o.format.empty() ? "console" : o.format);
  auto reporter = report::make_reporter(format);
  if (!reporter) throw UsageError(reporter.error().message);

  std::unique_ptr<store::ResultStore> store;
  report::BenchReport bench_report;
  report::RequestSource requests;
  if (!o.store_url.empty()) {
    // Reading must not create an empty store where a path has a typo.
    const auto location = value_or_throw(store::parse_store_url(o.store_url));
    if (location.kind == store::StoreLocation::Kind::kSqlite &&
        !std::filesystem::exists(location.target)) {
      throw Error(
          fmt::format("there is no results store at '{}'; give the file that "
                      "'chimera bench --store' or 'chimera sweep --store' wrote",
                      location.target));
    }
    store = value_or_throw(store::open_store(o.store_url));
    if (o.list) return list_runs(*store, globals.json);
    const auto run_id = resolve_run_id(*store, o.run);
    bench_report = report_from_store(*store, run_id, o.rank_by);
    requests = [&store, run_id](const report::RequestSink& sink) -> Expected<void> {
      auto count =
          store->requests(run_id, std::nullopt,
                          [&sink](std::int64_t, const measure::RequestResult& r) { sink(r); });
      if (!count) return std::unexpected(count.error());
      return {};
    };
  } else {
    if (o.list) throw UsageError("--list lists the runs of a results store; give --store URL");
    bench_report = report_from_file(o.input_path);
    if (!o.rank_by.empty()) {
      bench_report.ranking = ranking_for(o.rank_by, store::RunKind::kSweep);
    }
  }

  value_or_throw(report::write_outputs(bench_report, requests, o.outputs));
  if (!globals.quiet || o.outputs.empty()) {
    value_or_throw((*reporter)->write(bench_report, requests, std::cout));
  }
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& root, const GlobalOptions& globals) {
  auto* app = root.add_subcommand(
      "report", "Re-render stored results as Markdown, HTML, CSV, JSON, JSONL or a console table");
  auto options = std::make_shared<ReportOptions>();
  app->add_option("--store", options->store_url,
                  "Results store: a SQLite file path, sqlite:///abs/path, sqlite:relative or "
                  "postgresql://user[:password]@host[:port]/db");
  app->add_option("--input", options->input_path,
                  "A JSON results file (written with --output FILE.json) instead of a store");
  app->add_option("--run", options->run, "Run id from --list, or 'latest'")->capture_default_str();
  app->add_option("--format", options->format,
                  "Format printed on stdout: console (default), md, html, csv, json, jsonl");
  app->add_option("-o,--output", options->outputs,
                  "Also write FILE (format from its extension: .md .csv .json .jsonl .html .txt) "
                  "or FORMAT:FILE; repeat for several");
  app->add_option("--rank-by", options->rank_by,
                  "Order configurations by this metric's warm mean (e.g. decode_tps, ttft_ms), or "
                  "'none'; sweeps rank by decode_tps by default");
  app->add_flag("--list", options->list, "List the runs in the store");
  app->footer(
      "Every figure is recomputed from the raw requests in the store: warm-up requests are "
      "excluded,\ncold requests (a model load) are reported apart, and empty or failed requests "
      "never count as success.\nJSONL output lists the raw requests, one JSON object per line.");
  return Command{app, [options, &globals] { return run_report(*options, globals); }};
}

}  // namespace chimera::cli
