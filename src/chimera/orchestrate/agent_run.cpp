#include "chimera/orchestrate/agent_run.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/agents/agent_report.hpp"
#include "chimera/agents/extraction.hpp"
#include "chimera/agents/prompt.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/summary.hpp"
#include "chimera/orchestrate/combined_report.hpp"
#include "chimera/orchestrate/figure_sources.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/signals.hpp"
#include "chimera/util/terminal.hpp"
#include "chimera/version.hpp"

namespace chimera::orchestrate {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

void write_text(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out)
      throw Error(
          fmt::format("Could not write '{}': is the disk full or read-only?", path.string()));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error(fmt::format("Could not write '{}': {}", path.string(), ec.message()));
}

std::string utc_date() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string file_safe(const std::string& name) {
  std::string out;
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

struct Backends {
  std::map<std::string, std::unique_ptr<backends::Backend>> by_url;

  backends::Backend* get(const std::string& url, const AgentRunOptions& options) {
    auto it = by_url.find(url);
    if (it != by_url.end()) return it->second.get();
    backends::BackendOptions bo;
    bo.kind = options.backend_kind;
    bo.url = url;
    bo.cold_threshold_ms = options.cold_threshold_ms;
    auto made = backends::make_backend(bo);
    if (!made) throw UsageError(made.error().message);
    auto* raw = made->get();
    by_url.emplace(url, std::move(*made));
    return raw;
  }
};

std::vector<agents::DataFact> facts_for(const ingest::Analysis& analysis,
                                        const std::string& summary) {
  std::vector<agents::DataFact> facts;
  for (const auto& f : analysis.facts) {
    if (summary.find(f.text) == std::string::npos) continue;
    facts.push_back({f.text, f.source.describe()});
  }
  return facts;
}

// One request line for requests.jsonl: the request and where it belongs.
void append_requests(std::ofstream& out, int run, const std::string& phase,
                     const AgentExecution& exec) {
  auto write = [&](const measure::RequestResult& r) {
    auto j = measure::to_json(r);
    j["run"] = run;
    j["phase"] = phase;
    j["agent"] = exec.agent;
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  };
  for (const auto& r : exec.warmups) write(r);
  for (const auto& r : exec.calls) write(r);
  out.flush();
}

class RunStore {
 public:
  RunStore(const std::string& url, const AgentRunOptions& options) {
    auto opened = store::open_store(url);
    if (!opened) {
      throw Error(
          fmt::format("Could not open the results store '{}': {}", url, opened.error().message));
    }
    db_ = std::move(*opened);
    store::RunInfo info;
    info.kind = store::RunKind::kRun;
    info.started_at = store::utc_now_iso8601();
    info.simulated = options.simulated;
    info.args = {{"scenario", options.scenario.name}, {"runs", options.runs}};
    info.tool_version = kVersion;
    info.fingerprint = options.scenario.name;
    auto id = db_->begin_run(info);
    if (!id) throw Error("results store: " + id.error().message);
    run_id_ = *id;
  }

  void record(int run_index, const std::string& phase, const WorkflowAgent& agent,
              const AgentExecution& exec) {
    const std::string key = fmt::format("run{}|{}|{}", run_index, phase, agent.spec.name);
    store::ConfigurationRecord c;
    c.run_id = run_id_;
    c.ordinal = ordinal_++;
    c.key = key;
    c.label = fmt::format("run {} {} {}", run_index, phase, agent.spec.name);
    c.backend = agent.backend->kind();
    c.endpoint = agent.backend->endpoint();
    c.model = agent.spec.profile.model;
    c.options = agent.spec.profile.options;
    c.status = store::ConfigurationStatus::kDone;
    auto id = db_->add_configuration(run_id_, c);
    if (!id) return note(id.error().message);
    for (const auto& r : exec.warmups) (void)db_->record_request(run_id_, *id, r);
    for (const auto& r : exec.calls) {
      if (auto s = db_->record_request(run_id_, *id, r); !s) note(s.error().message);
    }
  }

  void agent_result(const store::AgentRecord& record) {
    if (auto s = db_->save_agent_result(run_id_, record); !s) note(s.error().message);
  }
  void inventory(const nlohmann::json& j) {
    if (auto s = db_->save_inventory(run_id_, j); !s) note(s.error().message);
  }
  void finish(bool interrupted) {
    (void)db_->finish_run(
        run_id_, interrupted ? store::RunStatus::kInterrupted : store::RunStatus::kComplete);
  }
  std::int64_t run_id() const { return run_id_; }

 private:
  void note(const std::string& message) { term::warn("results store: " + message); }
  std::unique_ptr<store::ResultStore> db_;
  std::int64_t run_id_ = 0;
  int ordinal_ = 0;
};

// Loads every agent's model with its options before the agents are timed. The
// warm-up answers are kept (as AgentExecution::warmups) so they are recorded too.
std::vector<AgentExecution> warm_up_all(const std::vector<WorkflowAgent>& agents,
                                        const backends::Timeouts& timeouts) {
  std::vector<AgentExecution> out;
  for (const auto& a : agents) {
    AgentExecution exec;
    exec.agent = a.spec.name;
    if (signals::interrupted()) break;
    backends::GenerationRequest req;
    req.model = a.spec.profile.model;
    req.options = a.spec.profile.options;
    req.options["num_predict"] = 4;
    req.prompt = "Reply with the single word OK.";
    req.timeouts = timeouts;
    req.warmup = true;
    exec.warmups.push_back(a.backend->generate(std::move(req)));
    out.push_back(std::move(exec));
  }
  return out;
}

}  // namespace

AgentRunSummary run_agents(const AgentRunOptions& options) {
  AgentRunSummary summary;
  summary.output_dir = options.output_dir;
  const auto& scenario = options.scenario;

  // Every endpoint must answer before any work is done.
  Backends backends;
  std::vector<backends::Backend*> agent_backend;
  for (const auto& spec : scenario.agents) {
    const std::string url = spec.endpoint.empty() ? options.default_endpoint : spec.endpoint;
    agent_backend.push_back(backends.get(url, options));
  }
  for (auto& [url, backend] : backends.by_url) {
    if (auto info = backend->server_info(); !info) {
      throw Error(fmt::format(
          "{}\nNothing was run. Start the server (for Ollama: `ollama serve`, then `ollama pull "
          "gemma3:latest`), point --endpoint or OLLAMA_HOST at it, or try Chimera with --sim, "
          "which starts a built-in simulated server.",
          info.error().message));
    }
  }

  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (ec) {
    throw Error(fmt::format("Could not create the output directory '{}': {}",
                            options.output_dir.string(), ec.message()));
  }
  RunStore db(options.store_url.empty() ? (options.output_dir / "results.sqlite").string()
                                        : options.store_url,
              options);
  std::ofstream requests_out(options.output_dir / "requests.jsonl", std::ios::app);
  if (!requests_out) {
    throw Error(
        fmt::format("Could not write '{}'", (options.output_dir / "requests.jsonl").string()));
  }

  std::vector<RunRecord> records;
  const bool measure_concurrency_now = options.isolated_baselines && scenario.agents.size() >= 2;
  for (int run = 1; run <= options.runs && !signals::interrupted(); ++run) {
    const fs::path run_dir = options.output_dir / fmt::format("run_{}", run);
    fs::create_directories(run_dir, ec);
    if (ec) throw Error(fmt::format("Could not create '{}': {}", run_dir.string(), ec.message()));
    // Marks the run as in flight until its last file is written.
    write_text(run_dir / "INCOMPLETE.md",
               "# Incomplete run\n\nThis run was still in progress (or was interrupted): the files "
               "in this directory are partial. Finished runs have no such file.\n");

    RunRecord record;
    record.index = run;
    record.scenario = scenario.name;
    record.simulated = options.simulated;
    record.started_at = store::utc_now_iso8601();

    term::progress(fmt::format("run {}/{}: ingesting", run, options.runs));
    const auto ingest_begin = Clock::now();
    const auto analysis = ingest::analyse(options.roots);
    record.ingest_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - ingest_begin).count();
    if (run == 1) db.inventory(ingest::to_json(analysis));

    std::vector<WorkflowAgent> agents;
    for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
      WorkflowAgent a;
      a.spec = scenario.agents[i];
      a.backend = agent_backend[i];
      agents::BudgetOptions budget_options;
      // A pipeline agent also carries its inputs' answers: keep room for them.
      budget_options.upstream_tokens = a.spec.depends_on.size() * 600;
      const auto budget =
          agents::data_summary_budget(a.spec.persona, a.spec.profile, budget_options);
      a.data_summary = agents::fit_to_budget(
          ingest::data_summary(analysis, budget.data_summary_tokens), budget.data_summary_chars);
      agents.push_back(std::move(a));
    }

    ExecutionOptions exec_options;
    exec_options.timeouts = options.timeouts;
    exec_options.headers = options.headers;
    exec_options.permits_per_endpoint = options.permits_per_endpoint;
    std::optional<ExecutionResult> isolated;
    if (measure_concurrency_now) {
      term::progress(fmt::format("run {}/{}: isolated baselines", run, options.runs));
      exec_options.mode = ExecutionMode::kIsolated;
      exec_options.id_prefix = fmt::format("r{}-isolated", run);
      isolated = execute(agents, exec_options);
      for (std::size_t i = 0; i < agents.size(); ++i) {
        append_requests(requests_out, run, "isolated", isolated->agents[i]);
        db.record(run, "isolated", agents[i], isolated->agents[i]);
      }
    } else {
      const auto warmups = warm_up_all(agents, options.timeouts);
      for (std::size_t i = 0; i < warmups.size(); ++i) {
        append_requests(requests_out, run, "warmup", warmups[i]);
        db.record(run, "warmup", agents[i], warmups[i]);
      }
    }

    ExecutionResult concurrent;
    if (!signals::interrupted()) {
      term::progress(
          fmt::format("run {}/{}: {} agent(s) running", run, options.runs, agents.size()));
      exec_options.mode = ExecutionMode::kConcurrent;
      exec_options.id_prefix = fmt::format("r{}", run);
      concurrent = execute(agents, exec_options);
    } else {
      concurrent.interrupted = true;
      for (const auto& a : agents) {
        AgentExecution e;
        e.agent = a.spec.name;
        e.failure = "cancelled: interrupted before this agent started";
        concurrent.agents.push_back(e);
      }
    }
    term::progress_done();
    record.interrupted = concurrent.interrupted || signals::interrupted();
    record.concurrent_wall_ms = concurrent.wall_ms;
    if (isolated) {
      record.concurrency = measure_concurrency(*isolated, concurrent, options.contention_threshold,
                                               options.cold_threshold_ms);
    }

    // Reports: one per agent, from the concurrent run.
    const IngestFigureSource ingest_figures(analysis.figures);
    for (std::size_t i = 0; i < agents.size(); ++i) {
      const auto& agent = agents[i];
      const auto& exec = concurrent.agents[i];
      append_requests(requests_out, run, "concurrent", exec);
      db.record(run, "concurrent", agent, exec);

      agents::AgentReportInput input;
      input.agent = agent.spec;
      input.date = utc_date();
      input.simulated = options.simulated;
      input.calls = exec.calls;
      input.failure = exec.failure;
      input.timing.ingest_s = record.ingest_ms / 1000.0;
      input.timing.analysis_s = exec.analysis_ms / 1000.0;
      input.timing.report_s = exec.report_ms / 1000.0;
      input.files_analysed = analysis.inventory.total_files;
      input.data_summary = agent.data_summary;
      input.facts = facts_for(analysis, agent.data_summary);

      AgentOutcome outcome;
      outcome.agent = agent.spec.name;
      outcome.persona = agent.spec.persona.name;
      outcome.profile = agent.spec.profile.name;
      outcome.model = agent.spec.profile.model;
      outcome.endpoint = agent.backend->endpoint();
      outcome.options = agent.spec.profile.options;
      outcome.metrics = agents::aggregate_metrics(exec.calls);
      outcome.start_ms = exec.start_ms;
      outcome.end_ms = exec.end_ms;

      const bool usable = exec.ok && !exec.final_text().empty();
      if (usable) {
        input.extraction = agents::extract(exec.final_text());
        // Known figures: the data, this run's measurements, the options sent.
        std::vector<agents::KnownFigure> measured =
            agents::measured_figures(outcome.metrics, agent.spec.name);
        for (auto& f : agents::configuration_figures(agent.spec.profile.options, agent.spec.name)) {
          measured.push_back(std::move(f));
        }
        const agents::VectorFigureSource measured_source(std::move(measured));
        input.verification = agents::verify(exec.final_text(), {&ingest_figures, &measured_source});
      }
      auto failure = agents::agent_failure(input);
      outcome.ok = usable && !failure;
      if (!outcome.ok) {
        ++summary.agent_failures;
        outcome.failure =
            failure ? fmt::format("{} {}: {}", failure->stage, failure->kind, failure->message)
                    : (exec.failure.empty() ? "no usable answer" : exec.failure);
      }
      outcome.figures = input.verification.total();
      outcome.figures_verified = input.verification.verified_count();
      outcome.report_file = file_safe(agent.spec.name) + "_report.md";
      write_text(run_dir / outcome.report_file, agents::render_agent_report(input));
      summary.report_paths.push_back((run_dir / outcome.report_file).string());

      store::AgentRecord ar;
      ar.run_index = run;
      ar.agent = agent.spec.name;
      ar.persona = agent.spec.persona.name;
      ar.profile = agent.spec.profile.name;
      ar.model = agent.spec.profile.model;
      ar.report_path = (run_dir / outcome.report_file).string();
      record.agents.push_back(std::move(outcome));
      ar.metrics = to_json(record)["agents"].back()["metrics"];
      db.agent_result(ar);
    }

    write_text(run_dir / "metrics.json", to_json(record).dump(2) + "\n");
    write_text(run_dir / "combined_report.md", render_combined_report(record));
    records.push_back(record);
    write_text(options.output_dir / "summary.json",
               summary_json(records, options.simulated, scenario.name, false).dump(2) + "\n");
    write_text(options.output_dir / "summary.md",
               render_summary_markdown(records, options.simulated, scenario.name));
    if (record.interrupted) {
      summary.interrupted = true;
      break;  // INCOMPLETE.md stays: this run did not finish
    }
    fs::remove(run_dir / "INCOMPLETE.md", ec);
    ++summary.runs_completed;
  }
  if (signals::interrupted()) summary.interrupted = true;
  write_text(
      options.output_dir / "summary.json",
      summary_json(records, options.simulated, scenario.name, !summary.interrupted).dump(2) + "\n");
  db.finish(summary.interrupted);
  return summary;
}

}  // namespace chimera::orchestrate
