#include "chimera/orchestrate/run/agent_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>

#include "chimera/agents/agent_metrics.hpp"
#include "chimera/agents/extraction.hpp"
#include "chimera/agents/prompt.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/summary.hpp"
#include "chimera/orchestrate/common/files.hpp"
#include "chimera/orchestrate/common/jsonl_appender.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "chimera/orchestrate/run/run_figures.hpp"
#include "chimera/report/agent_report.hpp"
#include "chimera/report/combined_report.hpp"
#include "chimera/report/run_report.hpp"
#include "chimera/store/store.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/signals.hpp"
#include "chimera/util/terminal.hpp"
#include "chimera/version.hpp"

namespace chimera::orchestrate {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kIncompleteNote =
    "# Incomplete run\n\nThis run was still in progress (or was interrupted): the files in this "
    "directory are partial. Finished runs have no such file.\n";

// One backend per distinct endpoint; every one must answer before work starts.
class Backends {
 public:
  Backends(const AgentRunOptions& options) {
    for (const auto& spec : options.scenario.agents) {
      per_agent_.push_back(
          get(spec.endpoint.empty() ? options.default_endpoint : spec.endpoint, options));
    }
  }
  backends::Backend* for_agent(std::size_t i) const { return per_agent_[i]; }

  void check_reachable() const {
    for (const auto& [url, backend] : by_url_) {
      if (auto info = backend->server_info(); !info) {
        throw Error(fmt::format(
            "{}\nNothing was run. Start the server (for Ollama: `ollama serve`, then `ollama "
            "pull gemma3:latest`), point --endpoint or OLLAMA_HOST at it, or try Chimera with "
            "--sim, which starts a built-in simulated server.",
            info.error().message));
      }
    }
  }

 private:
  backends::Backend* get(const std::string& url, const AgentRunOptions& options) {
    if (auto it = by_url_.find(url); it != by_url_.end()) return it->second.get();
    backends::BackendOptions bo;
    bo.kind = options.backend_kind;
    bo.url = url;
    bo.cold_threshold_ms = options.cold_threshold_ms;
    bo.max_line_bytes = options.max_line_bytes;
    bo.call_timeouts = options.timeouts;  // the pre-check obeys the user's limits too
    auto made = value_or_throw<UsageError>(backends::make_backend(bo));
    auto* raw = made.get();
    by_url_.emplace(url, std::move(made));
    return raw;
  }

  std::map<std::string, std::unique_ptr<backends::Backend>> by_url_;
  std::vector<backends::Backend*> per_agent_;
};

// The one writer of a run's requests: each goes to requests.jsonl (with its
// run, phase and agent) and to the results store, in the same order.
class RunWriter {
 public:
  RunWriter(const AgentRunOptions& options, int first_run)
      : requests_(options.output_dir / "requests.jsonl") {
    const std::string url = options.store_url.empty()
                                ? (options.output_dir / "results.sqlite").string()
                                : options.store_url;
    auto opened = store::open_store(url);
    if (!opened) {
      throw Error(fmt::format("Could not open the results store '{}': {}",
                              store::redact_store_url(url), opened.error().message));
    }
    db_ = std::move(*opened);
    store::RunInfo info;
    info.kind = store::RunKind::kRun;
    info.started_at = store::utc_now_iso8601();
    info.simulated = options.simulated;
    info.args = {{"scenario", options.scenario.name}, {"runs", options.runs}};
    if (first_run > 1) info.args["resumed_at_run"] = first_run;
    info.tool_version = kVersion;
    info.fingerprint = options.scenario.name;
    run_id_ = value_or_throw(db_->begin_run(info), "results store");
  }

  // `offset_ms`: from the run's start to the start of the execution the spans count from.
  void requests(int run, const std::string& phase, const WorkflowAgent& agent,
                const AgentExecution& exec, double offset_ms) {
    append_lines(run, phase, exec, offset_ms);
    record_configuration(run, phase, agent, exec);
  }
  void agent_result(const store::AgentRecord& record) {
    if (auto s = db_->save_agent_result(run_id_, record); !s) note(s.error().message);
  }
  // Once per store run: the first run this process does (run 1, or the first
  // redone one after --resume).
  void inventory(const nlohmann::json& j) {
    if (inventory_saved_) return;
    inventory_saved_ = true;
    if (auto s = db_->save_inventory(run_id_, j); !s) note(s.error().message);
  }
  void finish(bool interrupted) {
    (void)db_->finish_run(
        run_id_, interrupted ? store::RunStatus::kInterrupted : store::RunStatus::kComplete);
  }

 private:
  // Each line also says when the request ran (t_start_ms, t_end_ms: submitted
  // and answered, ms after its run began, steady clock), for the run's timeline.
  void append_lines(int run, const std::string& phase, const AgentExecution& exec,
                    double offset_ms) {
    auto write = [&](const measure::RequestResult& r, const std::vector<Span>& spans,
                     std::size_t i) {
      auto j = measure::to_json(r);
      j["run"] = run;
      j["phase"] = phase;
      j["agent"] = exec.agent;
      if (i < spans.size()) {
        j["t_start_ms"] = offset_ms + spans[i].start_ms;
        j["t_end_ms"] = offset_ms + spans[i].end_ms;
      }
      j["store_run_id"] = run_id_;
      value_or_throw(requests_.append(dump_json(j)));
    };
    for (std::size_t i = 0; i < exec.warmups.size(); ++i)
      write(exec.warmups[i], exec.warmup_spans, i);
    for (std::size_t i = 0; i < exec.calls.size(); ++i) write(exec.calls[i], exec.call_spans, i);
  }

  void record_configuration(int run, const std::string& phase, const WorkflowAgent& agent,
                            const AgentExecution& exec) {
    store::ConfigurationRecord c;
    c.run_id = run_id_;
    c.ordinal = ordinal_++;
    c.key = fmt::format("run{}|{}|{}", run, phase, agent.spec.name);
    c.label = fmt::format("run {} {} {}", run, phase, agent.spec.name);
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

  void note(const std::string& message) { term::warn("results store: " + message); }

  JsonlAppender requests_;  // whole records only, even on a full disk
  std::unique_ptr<store::ResultStore> db_;
  std::int64_t run_id_ = 0;
  int ordinal_ = 0;
  bool inventory_saved_ = false;
};

// What one run shares between its steps.
struct RunContext {
  RunContext(const AgentRunOptions& o, RunWriter& w, int r)
      : options(o), writer(w), run(r), dir(o.output_dir / fmt::format("run_{}", r)) {}

  // ms from this run's start to `t`: where an execution's spans start on the timeline.
  double offset_ms(Clock::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - began).count();
  }

  const AgentRunOptions& options;
  RunWriter& writer;
  int run = 0;
  fs::path dir;
  Clock::time_point began = Clock::now();
  bool measure_concurrency = false;  // isolated baselines, then the concurrent phase
  ingest::Analysis analysis;
  std::vector<WorkflowAgent> agents;
  RunRecord record;

  std::string progress(const std::string& what) const {
    return fmt::format("run {}/{}: {}", run, options.runs, what);
  }
  ExecutionOptions execution(ExecutionMode mode, std::string id_prefix) const {
    ExecutionOptions e;
    e.mode = mode;
    e.timeouts = options.timeouts;
    e.headers = options.headers;
    e.permits_per_endpoint = options.permits_per_endpoint;
    e.id_prefix = std::move(id_prefix);
    return e;
  }
};

// One agent's result in one run: its report and its row in the combined
// report are filled from the same execution, once.
struct AgentResult {
  report::AgentReportInput report;
  AgentOutcome outcome;
  std::string answer;  // the text to verify; empty when the agent gave no usable answer
};

// --- prepare -----------------------------------------------------------------

std::vector<WorkflowAgent> fit_agents(const AgentRunOptions& options, const Backends& backends,
                                      const ingest::Analysis& analysis) {
  std::vector<WorkflowAgent> agents;
  for (std::size_t i = 0; i < options.scenario.agents.size(); ++i) {
    WorkflowAgent a;
    a.spec = options.scenario.agents[i];
    a.backend = backends.for_agent(i);
    agents::BudgetOptions budget_options;
    // A pipeline agent also carries its inputs' answers: keep room for them.
    budget_options.upstream_tokens = a.spec.depends_on.size() * 600;
    const auto budget = agents::data_summary_budget(a.spec.persona, a.spec.profile, budget_options);
    a.data_summary = agents::fit_to_budget(
        ingest::data_summary(analysis, budget.data_summary_tokens), budget.data_summary_chars);
    agents.push_back(std::move(a));
  }
  return agents;
}

RunContext prepare_run(const AgentRunOptions& options, const Backends& backends, RunWriter& writer,
                       int run) {
  RunContext ctx(options, writer, run);
  make_directory(ctx.dir);
  // Marks the run as in flight until its last file is written.
  write_text(ctx.dir / "INCOMPLETE.md", kIncompleteNote);
  ctx.measure_concurrency = options.isolated_baselines && options.scenario.agents.size() >= 2;
  ctx.record.index = run;
  ctx.record.scenario = options.scenario.name;
  ctx.record.simulated = options.simulated;
  ctx.record.started_at = store::utc_now_iso8601();

  term::progress(ctx.progress("ingesting"));
  const auto ingest_begin = Clock::now();
  ctx.analysis = ingest::analyse(options.roots);
  ctx.record.ingest_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - ingest_begin).count();
  writer.inventory(ingest::to_json(ctx.analysis));
  ctx.agents = fit_agents(options, backends, ctx.analysis);
  return ctx;
}

// --- warm up, isolated phase, concurrent phase --------------------------------

// The whole scenario, one agent at a time, every request exactly the measured
// one (prompt, options, API, headers) marked as a warm-up: models are loaded
// and every prompt shape has been seen before anything is timed.
void warm_up(RunContext& ctx) {
  for (int pass = 1; pass <= ctx.options.warmups && !signals::interrupted(); ++pass) {
    term::progress(ctx.progress("warming up"));
    auto e = ctx.execution(ExecutionMode::kIsolated, fmt::format("r{}-warmup{}", ctx.run, pass));
    e.warm_up_each_isolated_agent = false;
    e.as_warmup = true;
    const auto result = execute(ctx.agents, e);
    for (std::size_t i = 0; i < ctx.agents.size(); ++i) {
      ctx.writer.requests(ctx.run, "warmup", ctx.agents[i], result.agents[i],
                          ctx.offset_ms(result.began));
    }
  }
}

// Each agent alone, repeated: T_i is the median of the repetitions, and
// repetitions that disagree mark the baseline unstable.
std::vector<ExecutionResult> isolated_phase(RunContext& ctx) {
  std::vector<ExecutionResult> repetitions;
  const int total = std::max(1, ctx.options.baseline_runs);
  for (int rep = 1; rep <= total && !signals::interrupted(); ++rep) {
    term::progress(ctx.progress(fmt::format("isolated baselines {}/{}", rep, total)));
    auto e = ctx.execution(ExecutionMode::kIsolated, fmt::format("r{}-isolated{}", ctx.run, rep));
    e.warm_up_each_isolated_agent = ctx.options.warmups > 0;
    repetitions.push_back(execute(ctx.agents, e));
    for (std::size_t i = 0; i < ctx.agents.size(); ++i) {
      ctx.writer.requests(ctx.run, "isolated", ctx.agents[i], repetitions.back().agents[i],
                          ctx.offset_ms(repetitions.back().began));
    }
    if (repetitions.back().interrupted) break;
  }
  if (repetitions.empty()) {
    ExecutionResult none;
    none.interrupted = true;
    repetitions.push_back(none);
  }
  return repetitions;
}

ExecutionResult concurrent_phase(RunContext& ctx) {
  ExecutionResult concurrent;
  if (signals::interrupted()) {
    concurrent.interrupted = true;
    for (const auto& a : ctx.agents) {
      AgentExecution e;
      e.agent = a.spec.name;
      e.failure = "cancelled: interrupted before this agent started";
      concurrent.agents.push_back(e);
    }
    return concurrent;
  }
  term::progress(ctx.progress(fmt::format("{} agent(s) running", ctx.agents.size())));
  concurrent =
      execute(ctx.agents, ctx.execution(ExecutionMode::kConcurrent, fmt::format("r{}", ctx.run)));
  for (std::size_t i = 0; i < ctx.agents.size(); ++i) {
    ctx.writer.requests(ctx.run, "concurrent", ctx.agents[i], concurrent.agents[i],
                        ctx.offset_ms(concurrent.began));
  }
  return concurrent;
}

// --- assemble -------------------------------------------------------------------

std::vector<report::DataFact> facts_for(const ingest::Analysis& analysis,
                                        const std::string& summary) {
  std::vector<report::DataFact> facts;
  for (const auto& f : analysis.facts) {
    if (summary.find(f.text) == std::string::npos) continue;
    facts.push_back({f.text, f.source.describe()});
  }
  return facts;
}

AgentResult assemble_agent(const RunContext& ctx, const WorkflowAgent& agent,
                           const AgentExecution& exec) {
  AgentResult r;
  auto& in = r.report;
  in.agent = agent.spec;
  in.date = utc_date();
  in.simulated = ctx.options.simulated;
  in.calls = exec.calls;
  in.failure = exec.failure;
  in.timing = {ctx.record.ingest_ms / 1000.0, exec.analysis_ms / 1000.0, exec.report_ms / 1000.0};
  in.files_analysed = ctx.analysis.inventory.total_files;
  in.data_summary = agent.data_summary;
  in.facts = facts_for(ctx.analysis, agent.data_summary);

  auto& out = r.outcome;
  out.agent = agent.spec.name;
  out.persona = agent.spec.persona.name;
  out.profile = agent.spec.profile.name;
  out.model = agent.spec.profile.model;
  out.endpoint = agent.backend->endpoint();
  out.options = agent.spec.profile.options;
  out.metrics = agents::aggregate_metrics(exec.calls);
  out.start_ms = exec.start_ms;
  out.end_ms = exec.end_ms;

  const bool usable = exec.ok && !exec.final_text().empty();
  if (usable) {
    in.extraction = agents::extract(exec.final_text());
    r.answer = exec.final_text();
  }
  const auto failure = report::agent_failure(in);
  out.ok = usable && !failure;
  if (!out.ok) {
    out.failure = failure
                      ? fmt::format("{} {}: {}", failure->stage, failure->kind, failure->message)
                      : (exec.failure.empty() ? "no usable answer" : exec.failure);
  }
  out.report_file = file_safe(agent.spec.name) + "_report.md";
  return r;
}

store::AgentRecord store_record(int run, const AgentOutcome& outcome, const fs::path& report) {
  store::AgentRecord ar;
  ar.run_index = run;
  ar.agent = outcome.agent;
  ar.persona = outcome.persona;
  ar.profile = outcome.profile;
  ar.model = outcome.model;
  ar.report_path = report.string();
  ar.metrics = report::to_json(outcome.metrics);
  return ar;
}

// --- write ------------------------------------------------------------------------

// report.html is read back from the directory's files, so it shows what they hold.
void write_html_report(const fs::path& dir) {
  if (auto written = report::write_run_report(dir); !written)
    term::warn("report.html: " + written.error().message);
}

// Each agent's report, then the run's metrics and combined report; the
// summaries over runs are rewritten after every run.
void write_run(RunContext& ctx, const ExecutionResult& concurrent,
               const std::vector<RunRecord>& earlier, AgentRunSummary& summary) {
  std::vector<AgentResult> results;
  std::vector<AgentOutcome> outcomes;
  for (std::size_t i = 0; i < ctx.agents.size(); ++i) {
    results.push_back(assemble_agent(ctx, ctx.agents[i], concurrent.agents[i]));
    outcomes.push_back(results.back().outcome);
  }
  // Every agent's verifier knows the artifacts and all the run's agents.
  const IngestFigureSource data_figures(ctx.analysis.figures);
  const agents::VectorFigureSource run_known = run_figures(outcomes);
  for (auto& result : results) {
    if (!result.answer.empty()) {
      result.report.verification = agents::verify(result.answer, {&data_figures, &run_known});
    }
    result.outcome.verification = report::count_figures(result.report.verification);
    const fs::path report = ctx.dir / result.outcome.report_file;
    write_text(report, report::render_agent_report(result.report));
    summary.report_paths.push_back(report.string());
    if (!result.outcome.ok) ++summary.agent_failures;
    ctx.writer.agent_result(store_record(ctx.run, result.outcome, report));
    ctx.record.agents.push_back(std::move(result.outcome));
  }
  write_text(ctx.dir / "metrics.json", dump_json(report::to_json(ctx.record), 2) + "\n");
  write_text(ctx.dir / "combined_report.md", report::render_combined_report(ctx.record));
  std::vector<RunRecord> runs = earlier;
  runs.push_back(ctx.record);
  const auto& o = ctx.options;
  write_text(o.output_dir / "summary.json",
             dump_json(report::summary_json(runs, o.simulated, o.scenario.name, false,
                                            aggregate_runs(runs, RunsAggregated::kEvery)),
                       2) +
                 "\n");
  write_text(o.output_dir / "summary.md",
             report::render_summary_markdown(runs, o.simulated, o.scenario.name,
                                             aggregate_runs(runs, RunsAggregated::kFinished)));
  write_html_report(o.output_dir);
}

ConcurrencyFigures figures(const RunContext& ctx, const std::vector<ExecutionResult>& isolated,
                           const ExecutionResult& concurrent) {
  std::map<std::string, std::vector<std::string>> depends_on;
  for (const auto& a : ctx.agents) depends_on[a.spec.name] = a.spec.depends_on;
  ConcurrencyOptions options;
  options.threshold = ctx.options.contention_threshold;
  return concurrency_figures(
      agent_times(isolated, concurrent, depends_on, ctx.options.cold_threshold_ms),
      concurrent.wall_ms, options);
}

// prepare → warm up → isolated and concurrent phases → assemble → write. The
// two phases swap places every other run, so a drifting server favours
// neither side.
RunRecord run_once(const AgentRunOptions& options, const Backends& backends, RunWriter& writer,
                   int run, const std::vector<RunRecord>& earlier, AgentRunSummary& summary) {
  RunContext ctx = prepare_run(options, backends, writer, run);
  warm_up(ctx);
  const bool isolated_first = run % 2 == 1;
  std::vector<ExecutionResult> isolated;
  if (ctx.measure_concurrency && isolated_first) isolated = isolated_phase(ctx);
  const ExecutionResult concurrent = concurrent_phase(ctx);
  if (ctx.measure_concurrency && !isolated_first) isolated = isolated_phase(ctx);
  term::progress_done();
  ctx.record.interrupted = concurrent.interrupted || signals::interrupted();
  ctx.record.concurrent_wall_ms = concurrent.wall_ms;
  if (ctx.measure_concurrency) {
    ctx.record.isolated_first = isolated_first;
    ctx.record.concurrency = figures(ctx, isolated, concurrent);
  }
  write_run(ctx, concurrent, earlier, summary);
  if (!ctx.record.interrupted) {
    std::error_code ec;
    fs::remove(ctx.dir / "INCOMPLETE.md", ec);  // INCOMPLETE.md stays on an unfinished run
  }
  return std::move(ctx.record);
}

}  // namespace

AgentRunSummary run_agents(const AgentRunOptions& options) {
  AgentRunSummary summary;
  summary.output_dir = options.output_dir;
  auto directory = open_run_directory(options.output_dir, options.resume, options.scenario.name);
  const Backends backends(options);
  backends.check_reachable();
  make_directory(options.output_dir, "the output directory ");
  if (directory.first_run > 1) {
    fmt::print(stderr, "chimera run: resuming {}: run(s) 1-{} finished before and are kept\n",
               options.output_dir.string(), directory.first_run - 1);
  }
  RunWriter writer(options, directory.first_run);

  std::vector<RunRecord> records = std::move(directory.kept);
  summary.runs_kept = static_cast<int>(records.size());
  summary.runs_completed = summary.runs_kept;
  for (int run = directory.first_run; run <= options.runs && !signals::interrupted(); ++run) {
    records.push_back(run_once(options, backends, writer, run, records, summary));
    if (records.back().interrupted) {
      summary.interrupted = true;
      summary.interrupted_run = run;
      break;
    }
    ++summary.runs_completed;
  }
  if (signals::interrupted()) summary.interrupted = true;
  std::vector<ConcurrencyFigures> figures;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!records[i].concurrency) continue;
    figures.push_back(*records[i].concurrency);
    summary.run_verdicts.push_back(
        fmt::format("run {}: {}", records[i].index, figures.back().verdict));
  }
  if (!figures.empty()) summary.concurrency = aggregate_concurrency(figures);
  write_text(options.output_dir / "summary.json",
             dump_json(report::summary_json(records, options.simulated, options.scenario.name,
                                            !summary.interrupted, summary.concurrency),
                       2) +
                 "\n");
  write_html_report(options.output_dir);
  writer.finish(summary.interrupted);
  return summary;
}

}  // namespace chimera::orchestrate
