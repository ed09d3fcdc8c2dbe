#include "chimera/orchestrate/run/agent_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
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
#include "chimera/orchestrate/common/server.hpp"
#include "chimera/orchestrate/run/concurrency_aggregate.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "chimera/orchestrate/run/run_backends.hpp"
#include "chimera/orchestrate/run/run_figures.hpp"
#include "chimera/orchestrate/run/run_warmup.hpp"
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

// The one writer of a run's requests: each goes to requests.jsonl (with its
// run, phase and agent) and to the results store, in the same order.
class RunWriter {
 public:
  RunWriter(const AgentRunOptions& options, const RunDirectoryState& directory)
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
    if (directory.store_run_id &&
        continue_run(*directory.store_run_id, options, directory.first_run)) {
      return;
    }
    store::RunInfo info;
    info.kind = store::RunKind::kRun;
    info.started_at = store::utc_now_iso8601();
    info.simulated = options.simulated;
    info.args = {{"scenario", options.scenario.name},
                 {"runs", options.runs},
                 {"output_dir", canonical_text(options.output_dir)}};
    if (directory.first_run > 1) info.args["resumed_at_run"] = directory.first_run;
    info.tool_version = kVersion;
    info.fingerprint = options.scenario.name;
    run_id_ = value_or_throw(db_->begin_run(info), "results store");
    if (directory.first_run > 1) {
      fmt::print(stderr,
                 "chimera run: the kept runs are not in {} (the store changed): it holds runs "
                 "{}-{} as its run {}\n",
                 db_->description(), directory.first_run, options.runs, run_id_);
    }
  }

  // `offset_ms`: from the run's start to the start of the execution the spans
  // count from. `pass` names a phase that runs more than once in a run (the
  // warm-up passes) in the store's configuration key; it defaults to `phase`.
  void requests(int run, const std::string& phase, const WorkflowAgent& agent,
                const AgentExecution& exec, double offset_ms, const std::string& pass = "") {
    append_lines(run, phase, exec, offset_ms);
    record_configuration(run, pass.empty() ? phase : pass, agent, exec);
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

  static std::string canonical_text(const fs::path& dir) {
    std::error_code ec;
    auto path = fs::weakly_canonical(dir, ec);
    return (ec ? dir : path).string();
  }

  // The store run was written for this directory (a shared store may hold
  // another directory's run under the same id): it says so in its arguments,
  // or, written before they did, its agents' reports are here.
  bool holds_this_directory(const store::RunInfo& info, const AgentRunOptions& options) {
    const std::string here = canonical_text(options.output_dir);
    if (info.args.contains("output_dir")) return info.args.value("output_dir", "") == here;
    const auto agents = db_->agent_results(info.id);
    if (!agents) return false;
    return std::any_of(agents->begin(), agents->end(), [&](const store::AgentRecord& a) {
      return canonical_text(fs::path(a.report_path).parent_path().parent_path()) == here;
    });
  }

  // A resume continues the store run that holds the kept runs, when the store
  // has it (the same --store as before): the partial rows of the run being
  // redone (its configurations with their requests, its agents) are dropped,
  // so the store's run holds every run of the directory once.
  bool continue_run(std::int64_t id, const AgentRunOptions& options, int first_run) {
    const auto info = db_->run(id);
    if (!info || info->kind != store::RunKind::kRun || info->fingerprint != options.scenario.name ||
        !holds_this_directory(*info, options)) {
      return false;
    }
    auto configurations = value_or_throw(db_->configurations(id), "results store");
    for (const auto& c : configurations) {
      int index = 0;
      if (std::sscanf(c.key.c_str(), "run%d|", &index) == 1 && index < first_run) {
        ordinal_ = std::max(ordinal_, c.ordinal + 1);
        continue;
      }
      value_or_throw(db_->delete_configuration(c.id), "results store");
    }
    value_or_throw(db_->delete_agent_results(id, first_run), "results store");
    value_or_throw(db_->reopen_run(id), "results store");
    inventory_saved_ = value_or_throw(db_->inventory(id), "results store").has_value();
    run_id_ = id;
    if (first_run > 1) {
      fmt::print(stderr, "chimera run: continuing run {} of {} (runs 1-{} are stored there)\n", id,
                 db_->description(), first_run - 1);
    } else {
      fmt::print(stderr, "chimera run: continuing run {} of {} (from run 1: nothing was kept)\n",
                 id, db_->description());
    }
    return true;
  }

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

std::vector<WorkflowAgent> fit_agents(const AgentRunOptions& options, const RunBackends& backends,
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

// `announce`: the first run of this process says which links the walk did not follow.
RunContext prepare_run(const AgentRunOptions& options, const RunBackends& backends,
                       RunWriter& writer, int run, bool announce) {
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
  ingest::IngestOptions ingest_options;
  ingest_options.follow_symlinks = options.follow_symlinks;
  ctx.analysis = ingest::analyse(options.roots, ingest_options);
  if (announce) {
    for (const auto& line : ingest::links_not_followed(ctx.analysis)) term::warn(line);
  }
  ctx.record.ingest_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - ingest_begin).count();
  writer.inventory(ingest::to_json(ctx.analysis));
  ctx.agents = fit_agents(options, backends, ctx.analysis);
  return ctx;
}

// --- warm up, isolated phase, concurrent phase --------------------------------

// Every shape measured afterwards, as warm-ups (run_warmup.hpp): models are
// loaded, prompt lengths and running together have been seen.
void warm_up(RunContext& ctx, bool first_of_process) {
  const auto plan = run_warmup_plan(ctx.options.warmups, ctx.agents.size(), first_of_process);
  warm_up_every_shape(
      ctx.agents, plan, ctx.execution(ExecutionMode::kIsolated, ""), fmt::format("r{}", ctx.run),
      [&](const std::string& what) { term::progress(ctx.progress(what)); },
      [&](const ExecutionResult& result, const std::string& pass) {
        for (std::size_t i = 0; i < ctx.agents.size(); ++i) {
          ctx.writer.requests(ctx.run, "warmup", ctx.agents[i], result.agents[i],
                              ctx.offset_ms(result.began), pass);
        }
      });
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

// "run N: <verdict>", then what showed each model reload.
void add_run_verdict(const RunFigures& run, std::vector<std::string>& lines) {
  lines.push_back(fmt::format("run {}: {}", run.run, run.figures.verdict));
  for (const auto& a : run.figures.per_agent) {
    for (const auto& evidence : a.reload_evidence) {
      lines.push_back(fmt::format("  model reload, {} {}", a.name, evidence));
    }
  }
}

// prepare → warm up → isolated and concurrent phases → assemble → write. The
// two phases swap places every other run, so a drifting server favours
// neither side.
RunRecord run_once(const AgentRunOptions& options, const RunBackends& backends, RunWriter& writer,
                   int run, bool first_of_process, const std::vector<RunRecord>& earlier,
                   AgentRunSummary& summary) {
  RunContext ctx = prepare_run(options, backends, writer, run, first_of_process);
  warm_up(ctx, first_of_process);
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

AgentRunSummary run_agents(const AgentRunOptions& given) {
  AgentRunSummary summary;
  summary.output_dir = given.output_dir;
  // An existing directory is locked before it is read; a new one once it
  // exists, and read again under the lock, since another process may have
  // started in it meanwhile.
  FileLock lock;
  if (fs::is_directory(given.output_dir)) lock = lock_run_directory(given.output_dir);
  auto directory = open_run_directory(given.output_dir, given.resume, given.scenario.name);
  const RunBackends backends(given);
  AgentRunOptions options = given;
  options.simulated = label_simulated(given.simulated, backends.check_reachable(), "chimera run");
  summary.simulated = options.simulated;
  make_directory(options.output_dir, "the output directory ");
  if (!lock.held()) {
    lock = lock_run_directory(options.output_dir);
    directory = open_run_directory(options.output_dir, options.resume, options.scenario.name);
  }
  value_or_throw(lock.publish(), "the run directory's lock");
  if (directory.first_run > 1) {
    fmt::print(stderr, "chimera run: resuming {}: run(s) 1-{} finished before and are kept\n",
               options.output_dir.string(), directory.first_run - 1);
  }
  RunWriter writer(options, directory);

  std::vector<RunRecord> records = std::move(directory.kept);
  summary.runs_kept = static_cast<int>(records.size());
  summary.runs_completed = summary.runs_kept;
  for (int run = directory.first_run; run <= options.runs && !signals::interrupted(); ++run) {
    records.push_back(
        run_once(options, backends, writer, run, run == directory.first_run, records, summary));
    if (records.back().interrupted) {
      summary.interrupted = true;
      summary.interrupted_run = run;
      break;
    }
    ++summary.runs_completed;
  }
  if (signals::interrupted()) summary.interrupted = true;
  std::vector<RunFigures> figures;
  for (const auto& record : records) {
    if (!record.concurrency) continue;
    figures.push_back({record.index, *record.concurrency});
    add_run_verdict(figures.back(), summary.run_verdicts);
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
