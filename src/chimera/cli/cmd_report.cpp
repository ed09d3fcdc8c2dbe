// `chimera report`: re-renders stored results (from the results store, a JSON
// results file written by the json reporter, a JSONL file of raw requests, or
// a `chimera run` output directory) in any format.

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "chimera/cli/commands.hpp"
#include "chimera/report/format.hpp"
#include "chimera/report/model.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/report/reporter.hpp"
#include "chimera/report/request_files.hpp"
#include "chimera/report/run_report.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"

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
// has more than one stored attempt; only the finished one counts, in the
// figures and in the exported requests alike. The others are listed apart.
struct StoredAttempts {
  std::vector<store::ConfigurationRecord> counted;
  std::vector<store::ConfigurationRecord> abandoned;  // unfinished, and redone to the end
  std::set<std::int64_t> counted_ids;
};

StoredAttempts stored_attempts(std::vector<store::ConfigurationRecord> configurations) {
  StoredAttempts out;
  std::set<std::string> done;
  for (const auto& c : configurations) {
    if (c.status == store::ConfigurationStatus::kDone) done.insert(c.key);
  }
  for (auto& c : configurations) {
    const bool abandoned = c.status != store::ConfigurationStatus::kDone && done.contains(c.key);
    if (!abandoned) out.counted_ids.insert(c.id);
    (abandoned ? out.abandoned : out.counted).push_back(std::move(c));
  }
  return out;
}

// "abandoned attempt of <label> (configuration N): M stored requests, not counted"
std::string abandoned_note(store::ResultStore& store, const store::ConfigurationRecord& c) {
  const auto n = value_or_throw(store.request_count(c.id));
  return fmt::format(
      "abandoned attempt at {} (stored configuration {}, status {}): its {} stored request(s) "
      "are not counted nor exported; the attempt that finished is",
      c.label, c.id, store::to_string(c.status), n);
}

// Summaries are rebuilt from the stored raw requests, streamed one at a time.
report::BenchReport report_from_store(store::ResultStore& store, std::int64_t run_id,
                                      const StoredAttempts& attempts, const std::string& rank_by) {
  const auto run = value_or_throw(store.run(run_id));
  report::BenchReport out;
  out.tool_version = run.tool_version;
  out.command = store::to_string(run.kind);
  out.started_at = run.started_at;
  out.finished_at = run.finished_at;
  out.simulated = run.simulated;
  out.ranking = ranking_for(rank_by, run.kind);

  const auto& configurations = attempts.counted;
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
  for (const auto& c : attempts.abandoned) out.warnings.push_back(abandoned_note(store, c));
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
  if (json) std::cout << dump_json(array, 2) << '\n';
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

// A run directory: its HTML is the run's own page (timeline, slowdowns, the
// agents' reports); the other formats show its requests.jsonl, one
// configuration per run, phase and agent.
int report_run_directory(const ReportOptions& o, const report::Reporter& reporter,
                         const GlobalOptions& globals) {
  const std::filesystem::path dir = o.input_path;
  const auto run = value_or_throw(report::read_run_directory(dir));
  std::ostringstream page;
  report::write_run_page(run, page);
  std::vector<std::string> others;
  for (const auto& spec : o.outputs) {
    const auto parsed = value_or_throw(report::parse_output_spec(spec));
    if (parsed.format == "html") {
      value_or_throw(report::write_file_atomically(parsed.path, page.str()));
    } else {
      others.push_back(spec);
    }
  }
  const bool print = !globals.quiet || o.outputs.empty();
  if (others.empty() && (reporter.format() == "html" || !print)) {
    if (print) std::cout << page.str();
    return kExitOk;
  }
  auto bench_report = value_or_throw(report::report_from_requests_file(dir / "requests.jsonl"));
  bench_report.simulated = run.simulated;
  const auto requests = report::requests_file_source(dir / "requests.jsonl");
  value_or_throw(report::write_outputs(bench_report, requests, others));
  if (!print) return kExitOk;
  if (reporter.format() == "html") {
    std::cout << page.str();
  } else {
    value_or_throw(reporter.write(bench_report, requests, std::cout));
  }
  return kExitOk;
}

// A stored `chimera run` whose output directory is still where its agents'
// reports were written: that directory, whose page the HTML shows.
std::optional<std::filesystem::path> run_directory_of(store::ResultStore& store,
                                                      std::int64_t run_id) {
  if (value_or_throw(store.run(run_id)).kind != store::RunKind::kRun) return std::nullopt;
  for (const auto& a : value_or_throw(store.agent_results(run_id))) {
    const auto dir = std::filesystem::path(a.report_path).parent_path().parent_path();
    if (!a.report_path.empty() && report::is_run_directory(dir)) return dir;
  }
  return std::nullopt;
}

bool wants_html(const ReportOptions& o, std::string_view format) {
  if (format == "html") return true;
  for (const auto& spec : o.outputs)
    if (report::parse_output_spec(spec)->format == "html") return true;
  return false;
}

// Writes every --output and, unless --quiet, prints the report.
int emit(const ReportOptions& o, const GlobalOptions& globals, const report::Reporter& reporter,
         const report::BenchReport& bench_report, const report::RequestSource& requests) {
  value_or_throw(report::write_outputs(bench_report, requests, o.outputs));
  if (!globals.quiet || o.outputs.empty()) {
    value_or_throw(reporter.write(bench_report, requests, std::cout));
  }
  return kExitOk;
}

int report_from_store_url(const ReportOptions& o, const GlobalOptions& globals,
                          const report::Reporter& reporter) {
  // Reading must not create an empty store where a path has a typo.
  const auto location = value_or_throw(store::parse_store_url(o.store_url));
  if (location.kind == store::StoreLocation::Kind::kSqlite &&
      !std::filesystem::exists(location.target)) {
    throw Error(
        fmt::format("there is no results store at '{}'; give the file that "
                    "'chimera bench --store' or 'chimera sweep --store' wrote",
                    location.target));
  }
  auto store = value_or_throw(store::open_store(o.store_url));
  if (o.list) return list_runs(*store, globals.json);
  const auto run_id = resolve_run_id(*store, o.run);
  if (wants_html(o, reporter.format())) {
    if (auto dir = run_directory_of(*store, run_id)) {
      ReportOptions from_dir = o;
      from_dir.input_path = dir->string();
      return report_run_directory(from_dir, reporter, globals);
    }
  }
  const auto attempts = stored_attempts(value_or_throw(store->configurations(run_id)));
  const auto bench_report = report_from_store(*store, run_id, attempts, o.rank_by);
  const report::RequestSource requests =
      [&store, &attempts, run_id](const report::RequestSink& sink) -> Expected<void> {
    auto count = store->requests(
        run_id, std::nullopt, [&](std::int64_t configuration_id, const measure::RequestResult& r) {
          if (attempts.counted_ids.contains(configuration_id)) sink(r);
        });
    if (!count) return std::unexpected(count.error());
    return {};
  };
  return emit(o, globals, reporter, bench_report, requests);
}

int report_from_input(const ReportOptions& o, const GlobalOptions& globals,
                      const report::Reporter& reporter) {
  if (o.list) throw UsageError("--list lists the runs of a results store; give --store URL");
  std::error_code ec;
  if (std::filesystem::is_directory(o.input_path, ec))
    return report_run_directory(o, reporter, globals);
  report::BenchReport bench_report;
  report::RequestSource requests;
  if (std::filesystem::path(o.input_path).extension() == ".jsonl") {
    bench_report = value_or_throw(report::report_from_requests_file(o.input_path));
    requests = report::requests_file_source(o.input_path);
  } else {
    bench_report = report_from_file(o.input_path);
  }
  if (!o.rank_by.empty()) bench_report.ranking = ranking_for(o.rank_by, store::RunKind::kSweep);
  return emit(o, globals, reporter, bench_report, requests);
}

int run_report(const ReportOptions& o, const GlobalOptions& globals) {
  if (o.store_url.empty() == o.input_path.empty()) {
    throw UsageError(
        "give either --store URL (the results store) or --input PATH (a JSON results file, a "
        "JSONL file of requests, or a `chimera run` output directory)");
  }
  // Check every --output before reading anything, so a typo fails fast.
  for (const auto& spec : o.outputs) value_or_throw<UsageError>(report::parse_output_spec(spec));
  const std::string format = globals.json ? "json" : (o.format.empty() ? "console" : o.format);
  const auto reporter = value_or_throw<UsageError>(report::make_reporter(format));
  return o.store_url.empty() ? report_from_input(o, globals, *reporter)
                             : report_from_store_url(o, globals, *reporter);
}

}  // namespace

Command add_report_command(CLI::App& root, const GlobalOptions& globals) {
  auto* app = root.add_subcommand(
      "report", "Re-render stored results as Markdown, HTML, CSV, JSON, JSONL or a console table");
  auto options = std::make_shared<ReportOptions>();
  app->add_option("--store", options->store_url,
                  "Results store: a SQLite file path, sqlite:///abs/path, sqlite:relative or "
                  "postgresql://user[:password]@host[:port]/db");
  app->add_option("--input,input", options->input_path,
                  "Instead of a store: a JSON results file (--output FILE.json), a JSONL file of "
                  "requests (--output FILE.jsonl), or a `chimera run` output directory (its HTML "
                  "is the run's page: timeline, slowdowns, the agents' reports)");
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
