#include "chimera/orchestrate/benchmark.hpp"

#include <fmt/format.h>

#include <map>

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

template <typename T>
T must(Expected<T> value, const char* what) {
  if (!value) throw Error(fmt::format("results store: {}: {}", what, value.error().message));
  return std::move(*value);
}

void must(Expected<void> value, const char* what) {
  if (!value) throw Error(fmt::format("results store: {}: {}", what, value.error().message));
}

}  // namespace

std::string fingerprint(const nlohmann::json& args) {
  return fmt::format("{:016x}", fnv1a(args.dump()));
}

BenchmarkOutcome run_benchmark(backends::Backend& backend, const BenchmarkSpec& spec) {
  BenchmarkOutcome out;
  auto& report = out.report;
  report.tool_version = kVersion;
  report.command = spec.kind == store::RunKind::kSweep ? "sweep" : "bench";
  report.started_at = store::utc_now_iso8601();
  report.simulated = spec.simulated;
  report.ranking = spec.ranking;

  store::ResultStore* db = spec.store;
  const std::string print = fingerprint(spec.args);
  std::map<std::string, store::ConfigurationRecord> existing;
  if (db != nullptr) {
    std::optional<std::int64_t> resumable;
    if (spec.resume)
      resumable = must(db->find_resumable_run(spec.kind, print), "looking for a run to resume");
    if (resumable) {
      out.run_id = *resumable;
      out.resumed = true;
      must(db->reopen_run(*resumable), "reopening the run");
      for (auto& c : must(db->configurations(*resumable), "reading configurations")) {
        existing.emplace(c.key, std::move(c));
      }
    } else {
      store::RunInfo info;
      info.kind = spec.kind;
      info.fingerprint = print;
      info.started_at = report.started_at;
      info.simulated = spec.simulated;
      info.args = spec.args;
      info.tool_version = kVersion;
      out.run_id = must(db->begin_run(info), "starting the run");
    }
  }

  const std::size_t total = spec.grid.size();
  for (std::size_t i = 0; i < total && !signals::interrupted(); ++i) {
    const GridPoint& point = spec.grid[i];
    report::ConfigurationIdentity identity{point.key,          point.label, backend.kind(),
                                           backend.endpoint(), point.model, spec.plan.api,
                                           point.options};
    report::ConfigurationAccumulator acc(identity);

    std::int64_t config_id = 0;
    int already_measured = 0;
    if (db != nullptr) {
      auto found = existing.find(point.key);
      if (found != existing.end()) {
        config_id = found->second.id;
        must(db->requests(*out.run_id, config_id,
                          [&](std::int64_t, const measure::RequestResult& r) {
                            acc.add(r);
                            if (!r.warmup) ++already_measured;
                          }),
             "reading stored requests");
        if (found->second.status == store::ConfigurationStatus::kDone) {
          ++out.configurations_reused;
          report.configurations.push_back(acc.finish());
          continue;
        }
      } else {
        store::ConfigurationRecord record;
        record.run_id = *out.run_id;
        record.ordinal = static_cast<int>(i);
        record.key = point.key;
        record.label = point.label;
        record.backend = backend.kind();
        record.endpoint = backend.endpoint();
        record.model = point.model;
        record.api = spec.plan.api;
        record.options = point.options;
        config_id = must(db->add_configuration(*out.run_id, record), "adding a configuration");
      }
      must(db->set_configuration_status(config_id, store::ConfigurationStatus::kRunning),
           "updating a configuration");
    }

    RunPlan plan = spec.plan;
    plan.model = point.model;
    plan.options = point.options;
    plan.runs = std::max(0, spec.plan.runs - already_measured);
    plan.id_prefix = fmt::format("c{}", i + 1);
    int done = 0;
    const auto outcome = run_plan(backend, plan, [&](const measure::RequestResult& r) {
      if (db != nullptr) {
        if (auto stored = db->record_request(*out.run_id, config_id, r); !stored) {
          out.notes.push_back("could not store a request: " + stored.error().message);
        }
      }
      acc.add(r);
      if (!r.warmup) ++done;
      term::progress(fmt::format("[{}/{}] {}  {} {}/{}", i + 1, total, point.label,
                                 r.warmup ? "warm-up" : "request", r.warmup ? 1 : done, plan.runs));
    });
    out.measured += outcome.measured;
    out.failed += outcome.failed;
    for (const auto& note : outcome.notes) out.notes.push_back(note);
    report.configurations.push_back(acc.finish());
    if (outcome.interrupted) {
      out.interrupted = true;
      break;
    }
    if (db != nullptr) {
      must(db->set_configuration_status(config_id, store::ConfigurationStatus::kDone),
           "updating a configuration");
    }
    if (spec.on_report) spec.on_report(report, out.run_id);
  }
  term::progress_done();
  if (signals::interrupted()) out.interrupted = true;

  report.finished_at = store::utc_now_iso8601();
  if (out.interrupted) {
    report.warnings.push_back(
        "interrupted: the results below are partial; run the same command again to resume");
  }
  if (db != nullptr) {
    must(db->finish_run(*out.run_id, out.interrupted ? store::RunStatus::kInterrupted
                                                     : store::RunStatus::kComplete),
         "finishing the run");
  }
  if (spec.on_report) spec.on_report(report, out.run_id);
  return out;
}

}  // namespace chimera::orchestrate
