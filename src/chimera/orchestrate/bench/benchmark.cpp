#include "chimera/orchestrate/bench/benchmark.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <set>

#include "chimera/orchestrate/bench/load_table.hpp"
#include "chimera/orchestrate/bench/store_guard.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/signals.hpp"
#include "chimera/util/terminal.hpp"
#include "chimera/version.hpp"

namespace chimera::orchestrate {
namespace {

// FNV-1a, 64 bit: stable across runs and platforms (std::hash is not).
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// A store that cannot begin (or resume) the run stops it before anything is
// measured; later failures go through the StoreGuard.
template <typename T>
T stored(Expected<T> value, const char* what) {
  return value_or_throw(std::move(value), fmt::format("results store: {}", what));
}

// A configuration's place in the store: its row, and what a resumed run
// already measured for it.
struct StoredConfiguration {
  std::int64_t id = 0;
  int already_measured = 0;
  bool done = false;                  // finished before a resume: nothing left to measure
  std::set<std::string> request_ids;  // of the stored requests, warm-ups included
};

// A grid point's requests are "c<N>-<i>" (warm-ups "c<N>-w<i>"). A resumed
// point measures its remaining requests as a new attempt "c<N>r<k>" (k = 2,
// 3, ...: the first k no stored id uses), so no request id is stored twice.
std::string attempt_prefix(const std::string& base, const std::set<std::string>& stored_ids) {
  if (stored_ids.empty()) return base;
  const auto used = [&](const std::string& prefix) {
    const auto it = stored_ids.lower_bound(prefix);
    return it != stored_ids.end() && it->starts_with(prefix);
  };
  const std::size_t bound = stored_ids.size() + 2;  // at most that many attempts can be used
  for (std::size_t k = 2; k <= bound; ++k) {
    auto prefix = fmt::format("{}r{}", base, k);
    if (!used(prefix + "-")) return prefix;
  }
  return fmt::format("{}r{}", base, bound + 1);
}

// One bench or sweep run: open (or resume) the stored run, then each grid
// point in turn (read back what was stored, measure the rest), then finish.
class BenchmarkRun {
 public:
  BenchmarkRun(backends::Backend& backend, const BenchmarkSpec& spec)
      : backend_(backend), spec_(spec), db_(spec.store), guard_(spec.store) {
    auto& report = out_.report;
    report.tool_version = kVersion;
    report.command = spec.kind == store::RunKind::kSweep ? "sweep" : "bench";
    report.started_at = store::utc_now_iso8601();
    report.simulated = spec.simulated;
    report.ranking = spec.ranking;
  }

  BenchmarkOutcome run() {
    if (db_ != nullptr) open_run();
    grid_ = spec_.grid;
    for (std::size_t i = 0; !signals::interrupted(); ++i) {
      if (i == grid_.size()) {
        auto more = spec_.next_point ? spec_.next_point(out_.report) : std::nullopt;
        if (!more) break;
        grid_.push_back(std::move(*more));
      }
      if (!configuration(i)) break;
    }
    term::progress_done();
    finish();
    return std::move(out_);
  }

 private:
  void open_run() {
    if (spec_.attach_run) {
      out_.run_id = *spec_.attach_run;
      return;
    }
    const std::string print = fingerprint(spec_.args);
    std::optional<std::int64_t> resumable;
    if (spec_.resume)
      resumable = stored(db_->find_resumable_run(spec_.kind, print), "looking for a run to resume");
    if (resumable && owned_by_a_live_process(*resumable)) resumable.reset();
    if (resumable) {
      out_.run_id = *resumable;
      out_.resumed = true;
      stored(db_->reopen_run(*resumable), "reopening the run");
      for (auto& c : stored(db_->configurations(*resumable), "reading configurations")) {
        existing_.emplace(c.key, std::move(c));
      }
      return;
    }
    store::RunInfo info;
    info.kind = spec_.kind;
    info.fingerprint = print;
    info.started_at = out_.report.started_at;
    info.simulated = spec_.simulated;
    info.args = spec_.args;
    info.tool_version = kVersion;
    out_.run_id = stored(db_->begin_run(info), "starting the run");
  }

  // A run still `running` under a process that is alive (or on another host,
  // which cannot be checked) is that process's: it is never resumed beside it.
  bool owned_by_a_live_process(std::int64_t run_id) {
    const auto info = stored(db_->run(run_id), "reading the run to resume");
    return info.status == store::RunStatus::kRunning &&
           info.owner != store::current_process_owner() && !store::owner_is_dead(info.owner);
  }

  // Finds the grid point's stored configuration (feeding its stored requests
  // to `acc`) or adds it, and marks it running unless it is already done.
  // A store that fails here is given up (its id stays 0).
  StoredConfiguration store_configuration(std::size_t i, report::ConfigurationAccumulator& acc) {
    auto* db = guard_.db();
    const GridPoint& point = grid_[i];
    StoredConfiguration sc;
    if (auto found = existing_.find(point.key); found != existing_.end()) {
      sc.id = found->second.id;
      const auto read =
          guard_.check(db->requests(*out_.run_id, sc.id,
                                    [&](std::int64_t, const measure::RequestResult& r) {
                                      acc.add(r);
                                      sc.request_ids.insert(r.id);
                                      if (!r.warmup) ++sc.already_measured;
                                    }),
                       "reading stored requests");
      sc.done = read && found->second.status == store::ConfigurationStatus::kDone;
    } else {
      store::ConfigurationRecord record;
      record.run_id = *out_.run_id;
      record.ordinal = spec_.first_ordinal + static_cast<int>(i);
      record.key = point.key;
      record.label = point.label;
      record.backend = backend_.kind();
      record.endpoint = backend_.endpoint();
      record.model = point.model;
      record.api = spec_.plan.api;
      record.options = point.options;
      sc.id = guard_.check(db->add_configuration(*out_.run_id, record), "adding a configuration")
                  .value_or(0);
    }
    if (sc.id != 0) guard_.configuration(i, sc.id);
    if (!sc.done && guard_.db() != nullptr) {
      guard_.check(
          guard_.db()->set_configuration_status(sc.id, store::ConfigurationStatus::kRunning),
          "updating a configuration");
    }
    return sc;
  }

  // Runs grid point `i`; false when the run was interrupted inside it.
  bool configuration(std::size_t i) {
    const GridPoint& point = grid_[i];
    RunPlan plan = plan_at(i);
    report::SummarizeOptions summarize;
    summarize.under_load = plan.open_loop.has_value() || (!plan.cold && plan.concurrency > 1);
    report::ConfigurationAccumulator acc(
        report::ConfigurationIdentity{point.key, point.label, backend_.kind(), backend_.endpoint(),
                                      point.model, spec_.plan.api, point.options},
        summarize);
    StoredConfiguration sc;
    if (guard_.db() != nullptr) sc = store_configuration(i, acc);
    if (sc.id != 0) out_.configuration_ids.push_back(sc.id);
    if (sc.done) {
      ++out_.configurations_reused;
      out_.report.configurations.push_back(acc.finish());
      return true;
    }
    plan.id_prefix = attempt_prefix(plan.id_prefix, sc.request_ids);
    const auto outcome = measure(i, plan, sc, acc);
    out_.measured += outcome.measured;
    out_.failed += outcome.failed;
    for (const auto& note : outcome.notes) out_.notes.push_back(note);
    auto result = acc.finish();
    result.load = outcome.load;
    result.finished = !outcome.interrupted;
    if (!point.load.sweep_step.empty() && result.load.is_object()) {
      result.load["sweep_step"] = point.load.sweep_step;
    }
    add_schedule_warnings(result);
    out_.report.configurations.push_back(std::move(result));
    out_.report.load_table = load_table_json(out_.report, spec_.slo);
    if (outcome.interrupted) {
      out_.interrupted = true;
      return false;
    }
    if (guard_.db() != nullptr && sc.id != 0 && !spec_.attach_run) {
      guard_.check(guard_.db()->set_configuration_status(sc.id, store::ConfigurationStatus::kDone),
                   "marking a configuration done");
    }
    report_so_far();
    return true;
  }

  // The run plan at grid point `i`: its model, options and load level.
  RunPlan plan_at(std::size_t i) const {
    const GridPoint& point = grid_[i];
    RunPlan plan = spec_.plan;
    plan.model = point.model;
    plan.options = point.options;
    plan.id_prefix = fmt::format("c{}", spec_.first_ordinal + i + 1);
    const LoadLevel& level = point.load;
    if (level.rate && plan.open_loop) {
      plan.open_loop->rate = *level.rate;
      if (level.duration_s) {
        plan.open_loop->duration_s = level.duration_s;
        plan.open_loop->requests.reset();
      }
    } else if (!level.empty()) {
      // A closed-loop step: as many requests as an open-loop one would send.
      if (plan.open_loop && plan.open_loop->requests) {
        plan.runs = static_cast<int>(*plan.open_loop->requests);
      }
      plan.open_loop.reset();
      if (level.concurrency) plan.concurrency = *level.concurrency;
      plan.closed_loop_s = level.duration_s;
    }
    return plan;
  }

  // The open-loop schedule's warnings (the client could not keep up) belong
  // with the configuration's other warnings.
  static void add_schedule_warnings(report::ConfigurationResult& result) {
    if (!result.load.is_object() || !result.load.contains("schedule")) return;
    for (const auto& w : result.load["schedule"].value("warnings", nlohmann::json::array())) {
      result.warnings.push_back(w.get<std::string>());
    }
  }

  RunOutcome measure(std::size_t i, RunPlan plan, const StoredConfiguration& sc,
                     report::ConfigurationAccumulator& acc) {
    const GridPoint& point = grid_[i];
    plan.runs = std::max(0, plan.runs - sc.already_measured);
    int done = 0;
    // Thousands of requests a second would otherwise each format and write a
    // progress line: ten updates a second are enough to watch.
    auto shown_at = std::chrono::steady_clock::time_point{};
    // One transaction per flush (at most 64 results or 20 ms apart), not one
    // per request.
    store::RecordBatch batch(guard_.db());
    auto on_result = [&](const measure::RequestResult& r) {
      guard_.record(i, out_.run_id.value_or(0), r);
      acc.add(r);
      if (!r.warmup) ++done;
      const auto now = std::chrono::steady_clock::now();
      if (now - shown_at < std::chrono::milliseconds(100) && done < plan.runs) return;
      shown_at = now;
      term::progress(fmt::format("[{}/{}] {}  {} {}/{}", i + 1, grid_.size(), point.label,
                                 r.warmup ? "warm-up" : "request", r.warmup ? 1 : done, plan.runs));
    };
    auto outcome = run_plan(backend_, plan, on_result, [&] {
      if (guard_.db() != nullptr) guard_.flushed(batch.flush());
    });
    // The configuration's last rows: a failure here, the store's own retries
    // (a lost server's reconnect limit) spent, gives it up.
    if (guard_.db() != nullptr) {
      guard_.check(batch.end(), "writing requests");
    } else {
      (void)batch.end();  // a store given up holds nothing more to write
    }
    return outcome;
  }

  void finish() {
    if (signals::interrupted()) out_.interrupted = true;
    out_.report.finished_at = store::utc_now_iso8601();
    if (out_.interrupted) {
      out_.report.warnings.push_back(
          spec_.resumable
              ? "interrupted: the results below are partial; run the same command again (same "
                "--store) to resume: the finished requests are kept and only the rest are measured"
              : "interrupted: the results below are partial; nothing was kept to resume from (no "
                "--store), so the same command starts over");
    }
    if (db_ != nullptr && !spec_.attach_run) {
      const auto status =
          out_.interrupted ? store::RunStatus::kInterrupted : store::RunStatus::kComplete;
      if (auto* db = guard_.db())
        guard_.check(db->finish_run(*out_.run_id, status), "finishing the run");
      // Never `complete` without every request: one attempt at `failed`.
      if (guard_.failed()) (void)db_->finish_run(*out_.run_id, store::RunStatus::kFailed);
    }
    if (auto note = guard_.retry_note()) out_.notes.push_back(*note);
    out_.store_failure = guard_.failure();
    out_.unstored = guard_.unstored();
    out_.unstored_warmups = guard_.unstored_warmups();
    report_so_far();
  }

  void report_so_far() {
    if (spec_.on_report) spec_.on_report(out_.report, guard_.requests(out_.run_id, grid_.size()));
  }

  backends::Backend& backend_;
  const BenchmarkSpec& spec_;
  store::ResultStore* db_;
  StoreGuard guard_;
  std::map<std::string, store::ConfigurationRecord> existing_;
  std::vector<GridPoint> grid_;
  BenchmarkOutcome out_;
};

}  // namespace

std::string fingerprint(const nlohmann::json& args) {
  return fmt::format("{:016x}", fnv1a(dump_json(args)));
}

BenchmarkOutcome run_benchmark(backends::Backend& backend, const BenchmarkSpec& spec) {
  return BenchmarkRun(backend, spec).run();
}

}  // namespace chimera::orchestrate
