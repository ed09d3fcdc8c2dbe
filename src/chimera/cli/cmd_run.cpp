#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "chimera/agents/config.hpp"
#include "chimera/backends/backend.hpp"
#include "chimera/cli/bench_options.hpp"
#include "chimera/cli/commands.hpp"
#include "chimera/orchestrate/run/run_session.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {
namespace fs = std::filesystem;
namespace {

struct RunCliOptions {
  std::string artifacts;
  std::vector<std::string> data_dirs;
  bool follow_symlinks = false;
  std::string scenario = "baseline_vs_chimera";
  std::string scenario_name;
  std::string persona;
  std::string profile;
  std::string model;
  std::vector<std::string> option_specs;
  std::string endpoint;
  std::string backend;
  bool pipeline = false;
  int runs = 1;
  std::string output_dir;
  bool sim = false;
  bool sim_shared = false;
  std::string sim_config;
  bool no_isolated = false;
  int baseline_runs = 2;
  int warmups = 1;
  double contention_threshold = 0.9;
  int permits = 0;
  std::string store;
  TimeoutFlags timeouts = TimeoutFlags::from(orchestrate::agent_timeouts());
  double cold_threshold_ms = 500;
  std::size_t max_line_bytes = std::size_t{1} << 20;
  std::vector<std::string> headers;
  bool resume = false;
};

agents::Catalog load_catalog(const GlobalOptions& globals) {
  if (globals.config_path.empty()) return agents::Catalog::builtin();
  return value_or_throw(agents::load_config_file(globals.config_path));
}

std::string list_scenarios(const agents::Catalog& catalog) {
  std::string names;
  for (const auto& s : catalog.scenarios()) names += (names.empty() ? "" : ", ") + s.name;
  return names;
}

agents::Scenario choose_scenario(const RunCliOptions& o, agents::Catalog& catalog) {
  if (!o.persona.empty()) {
    auto persona = value_or_throw<UsageError>(catalog.persona(o.persona));
    auto profile =
        value_or_throw<UsageError>(catalog.profile(o.profile.empty() ? "baseline" : o.profile));
    agents::Scenario single;
    single.name = "single:" + persona.name;
    single.agents.push_back({persona.name, persona, profile, "", {}});
    return single;
  }
  std::string name = o.scenario;
  std::error_code ec;
  if (fs::is_regular_file(o.scenario, ec)) {
    // A scenario file: its scenarios join the catalog; pick the one it defines.
    std::set<std::string> before;
    for (const auto& s : catalog.scenarios()) before.insert(s.name);
    catalog = value_or_throw(agents::load_config_file(o.scenario, catalog));
    std::vector<std::string> added;
    for (const auto& s : catalog.scenarios()) {
      if (!before.contains(s.name)) added.push_back(s.name);
    }
    if (!o.scenario_name.empty()) {
      name = o.scenario_name;
    } else if (added.size() == 1) {
      name = added.front();
    } else {
      throw UsageError(
          fmt::format("scenario file '{}' defines {} scenarios; choose one with "
                      "--scenario-name (known: {})",
                      o.scenario, added.size(), list_scenarios(catalog)));
    }
  }
  return value_or_throw<UsageError>(catalog.scenario(name));
}

void apply_overrides(const RunCliOptions& o, const agents::Catalog& catalog,
                     agents::Scenario& scenario) {
  for (auto& agent : scenario.agents) {
    if (!o.profile.empty() && o.persona.empty()) {
      agent.profile = value_or_throw<UsageError>(catalog.profile(o.profile));
    }
    agent.profile =
        value_or_throw<UsageError>(agents::apply_overrides(agent.profile, o.model, o.option_specs));
  }
  if (o.pipeline) scenario = agents::as_pipeline(scenario);
}

// --artifacts naming one file: that file is analysed, with any --data.
std::vector<fs::path> artifact_file_roots(const RunCliOptions& o) {
  std::vector<fs::path> roots{fs::path(o.artifacts)};
  for (const auto& d : o.data_dirs) roots.emplace_back(d);
  return roots;
}

std::vector<fs::path> artifact_roots(const RunCliOptions& o) {
  std::vector<fs::path> roots;
  if (!o.artifacts.empty()) {
    const fs::path base(o.artifacts);
    std::error_code ec;
    const auto kind = fs::status(base, ec).type();
    if (kind == fs::file_type::not_found) {
      throw Error(fmt::format("--artifacts '{}' does not exist", o.artifacts));
    }
    if (kind == fs::file_type::regular) return artifact_file_roots(o);
    if (kind != fs::file_type::directory) {
      throw Error(
          fmt::format("--artifacts '{}' is neither a directory nor a regular file", o.artifacts));
    }
    bool any = false;
    for (const char* sub : {"reports", "csv_data", "artifacts"}) {
      roots.push_back(base / sub);
      any = any || fs::is_directory(base / sub, ec);
    }
    if (!any) {
      term::warn(
          fmt::format("'{}' has none of reports/, csv_data/, artifacts/: analysing the "
                      "directory itself",
                      o.artifacts));
      roots = {base};
    }
  }
  for (const auto& d : o.data_dirs) roots.emplace_back(d);
  if (roots.empty()) {
    throw UsageError(
        "give the artifacts to analyse: --artifacts DIR (reports/, csv_data/, "
        "artifacts/ under it) or --data DIR");
  }
  return roots;
}

orchestrate::AgentRunOptions agent_run_options(const RunCliOptions& o,
                                               const GlobalOptions& globals) {
  auto catalog = load_catalog(globals);
  auto scenario = choose_scenario(o, catalog);
  apply_overrides(o, catalog, scenario);

  orchestrate::AgentRunOptions options;
  options.roots = artifact_roots(o);
  options.follow_symlinks = o.follow_symlinks;
  options.backend_kind = o.backend;
  options.runs = o.runs;
  options.isolated_baselines = !o.no_isolated;
  options.baseline_runs = o.baseline_runs;
  options.warmups = o.warmups;
  options.contention_threshold = o.contention_threshold;
  options.permits_per_endpoint = o.permits;
  options.cold_threshold_ms = o.cold_threshold_ms;
  options.max_line_bytes = o.max_line_bytes;
  options.timeouts = o.timeouts.to_timeouts();
  for (const auto& h : o.headers) add_header(options.headers, h);
  options.scenario = scenario;
  options.output_dir = o.output_dir;
  options.store_url = o.store;
  options.resume = o.resume;
  return options;
}

// One line on the console: the efficiency across the included runs and the
// verdict; the definitions and the per-agent table are in summary.md. The
// "above 100%" note is the aggregate's, which each included run's own
// judgement decided (a run above 100% beyond noise is inconclusive and left out).
std::string concurrency_line(const orchestrate::ConcurrencyAggregate& c) {
  if (c.included == 0 || !c.efficiency.geometric_mean) return "concurrency: " + c.verdict;
  std::string spread;
  if (c.efficiency.ci95_low && c.efficiency.ci95_high) {
    spread = fmt::format(", 95% CI {:.1f}–{:.1f}% (t on the log)", *c.efficiency.ci95_low * 100,
                         *c.efficiency.ci95_high * 100);
  }
  const std::string flag = c.above_100.empty() ? "" : " [" + c.above_100 + "]";
  return fmt::format(
      "concurrency (measured, {} run(s) included of {}): efficiency {:.1f}% (geometric "
      "mean{}){} = critical path / wall; speedup {:.2f}x of ideal {:.2f}x; {}",
      c.included, c.measured, *c.efficiency.geometric_mean * 100, spread, flag,
      c.speedup.geometric_mean.value_or(0), c.ideal_speedup.geometric_mean.value_or(0), c.verdict);
}

int run_command(const RunCliOptions& o, const GlobalOptions& globals) {
  const auto options = agent_run_options(o, globals);
  const auto result = orchestrate::run_session(
      options, orchestrate::RunServers{o.endpoint, o.sim, o.sim_shared, o.sim_config});
  const auto& scenario = options.scenario;
  if (globals.json) {
    std::cout << dump_json(orchestrate::to_json(result), 2) << "\n";
  } else {
    std::string kept =
        result.runs_kept > 0 ? fmt::format(" ({} kept from before)", result.runs_kept) : "";
    std::string cut =
        result.interrupted_run > 0
            ? fmt::format("; run {} interrupted and incomplete", result.interrupted_run)
            : "";
    std::cout << fmt::format("{}{} finished run(s){} of scenario {}{}, written to {}\n",
                             result.simulated ? "SIMULATED: " : "", result.runs_completed, kept,
                             scenario.name, cut, result.output_dir.string());
    for (const auto& p : result.report_paths) std::cout << "  " << p << "\n";
    std::cout << "  " << (result.output_dir / "summary.md").string() << "\n";
    std::cout << "  " << (result.output_dir / "report.html").string() << "\n";
    if (result.concurrency) std::cout << concurrency_line(*result.concurrency) << "\n";
    for (const auto& v : result.run_verdicts) std::cout << "  " << v << "\n";
    if (result.agent_failures > 0) {
      std::cout << fmt::format(
          "{} agent report(s) record a failed or empty LLM call; see the "
          "reports for the reason.\n",
          result.agent_failures);
    }
  }
  if (result.interrupted) {
    std::cerr << "chimera run: interrupted; finished runs are complete on disk, the run in flight "
                 "is marked INCOMPLETE.md\n";
    return kExitInterrupted;
  }
  return result.agent_failures > 0 ? kExitPartial : kExitOk;
}

// What runs: the data, the scenario or one persona, models and options.
void add_workflow_options(CLI::App& app, RunCliOptions& o) {
  app.option_defaults()->group("What runs");
  app.add_option(
      "--artifacts,-a", o.artifacts,
      "Artifacts directory (reports/, csv_data/ and artifacts/ under it are analysed), or "
      "one artifact file");
  app.add_option("--data", o.data_dirs, "Any other directory to analyse (repeatable)");
  app.add_flag("--follow-symlinks", o.follow_symlinks,
               "Follow symbolic links that lead out of the artifact directories (by default "
               "they are listed, not followed; /proc, /sys and /dev are never read)");
  app.add_option("--scenario,-s", o.scenario,
                 "Built-in scenario (baseline_vs_chimera, chimera_hetero, chimera_homo), one from "
                 "--config, or a scenario YAML file")
      ->capture_default_str();
  app.add_option("--scenario-name", o.scenario_name, "Which scenario of a scenario file to run");
  app.add_option("--persona", o.persona, "Run one agent with this persona (single persona call)");
  app.add_option("--profile", o.profile,
                 "Profile for --persona, or for every agent of the scenario");
  app.add_option("--model,-m", o.model, "Model for every agent (overrides the profiles)");
  app.add_option("--option,-o", o.option_specs, "Option NAME=VALUE for every agent (repeatable)");
  app.add_flag("--pipeline", o.pipeline,
               "Hand each agent's answer to the next (collector → insight) instead of running them "
               "side by side");
}

// Where it runs: a server URL, its API, or the built-in simulator.
void add_server_options(CLI::App& app, RunCliOptions& o) {
  app.option_defaults()->group("Servers");
  app.add_option("--endpoint,-e", o.endpoint,
                 "Server URL for agents without their own (default: OLLAMA_HOST or "
                 "http://localhost:11434)");
  app.add_option("--backend", o.backend, "ollama or openai (default: inferred from the URL)")
      ->check(CLI::IsMember({"ollama", "openai"}));
  app.add_flag(
      "--sim", o.sim,
      "Start a built-in simulated server for each agent (everything is labelled SIMULATED)");
  app.add_flag("--sim-shared", o.sim_shared,
               "Start ONE built-in simulated server with one slot for all agents");
  app.add_option("--sim-config", o.sim_config, "YAML file for the built-in simulator")
      ->check(CLI::ExistingFile);
  app.add_option("--header", o.headers, "Extra HTTP header 'Name: value' (repeatable)");
}

// How it is measured: runs, baselines, warm-up, the contention threshold, limits.
void add_measurement_options(CLI::App& app, RunCliOptions& o) {
  app.option_defaults()->group("Measurement");
  app.add_option("--runs,-n", o.runs, "How many times to run the scenario")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_flag("--no-isolated", o.no_isolated,
               "Skip the isolated baselines (no speedup is reported)");
  app.add_option("--baseline-runs", o.baseline_runs,
                 "Repetitions of each agent's isolated baseline (its median is T_i)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--warmup", o.warmups,
                 "Warm-up passes per run: the scenario once per pass, one agent at a time, "
                 "every request exactly the measured one; the first run also warms up the "
                 "concurrent phase once (0: none, not even before each isolated baseline)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--contention-threshold", o.contention_threshold,
                 "Efficiency below which contention is reported")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--permits", o.permits,
                 "At most this many requests in flight per endpoint (0: no limit)")
      ->capture_default_str();
  add_timeout_options(app, o.timeouts, "call");
  add_max_line_bytes_option(app, o.max_line_bytes);
  app.add_option("--cold-threshold-ms", o.cold_threshold_ms,
                 "A call whose server load time exceeds this paid for a model load")
      ->capture_default_str();
}

// Where the results go: the run directory, resuming it, the store.
void add_output_options(CLI::App& app, RunCliOptions& o) {
  app.option_defaults()->group("Output");
  app.add_option("--output-dir,-O", o.output_dir,
                 "Where run_N/, summary.json, summary.md and requests.jsonl go (default: "
                 "chimera-runs/<scenario>-<UTC time>)");
  app.add_flag("--resume", o.resume,
               "Continue the interrupted run directory named by --output-dir: finished runs are "
               "kept, the run in flight is done again");
  app.add_option("--store", o.store,
                 "Results store: a SQLite path or postgresql://user[:password]@host[:port]/db "
                 "(default: <output-dir>/results.sqlite)");
}

}  // namespace

Command add_run_command(CLI::App& root, const GlobalOptions& globals) {
  auto o = std::make_shared<RunCliOptions>();
  auto* app = root.add_subcommand(
      "run", "Run agent workflows against inference servers and write grounded reports");
  app->footer(
      "Default: the baseline_vs_chimera scenario (DataCollector-9000 on the baseline profile and "
      "InsightAgent on chimera-optimized), run concurrently, each given the data summary.\n"
      "With two or more agents each is first timed alone (isolated baseline T_i, the median of "
      "--baseline-runs repetitions after a warm-up of the measured requests), then all together "
      "(wall time W): speedup = sum(T_i) / W, efficiency = W* / W with W* the critical path of "
      "the dependencies (100%: no contention, however unequal the agents), efficiency_vs_n = "
      "speedup / N.\n\nExamples:\n"
      "  chimera run --sim --artifacts examples/artifacts\n"
      "  chimera run --artifacts ./bench-results --runs 3\n"
      "  chimera run --persona InsightAgent --profile chimera-optimized --data ./reports\n"
      "  chimera run --scenario my-scenario.yaml --sim-shared --artifacts ./results");
  add_workflow_options(*app, *o);
  add_server_options(*app, *o);
  add_measurement_options(*app, *o);
  add_output_options(*app, *o);
  return Command{app, [o, &globals] { return run_command(*o, globals); }};
}

}  // namespace chimera::cli
