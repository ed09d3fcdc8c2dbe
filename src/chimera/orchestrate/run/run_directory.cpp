#include "chimera/orchestrate/run/run_directory.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "chimera/orchestrate/common/files.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {
namespace fs = std::filesystem;
namespace {

std::optional<double> opt_number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

agents::AgentMetrics metrics_from_json(const nlohmann::json& j) {
  agents::AgentMetrics m;
  m.calls = j.value("calls", std::size_t{0});
  m.throughput_tps = opt_number(j, "throughput_tps");
  // Files written before the source was recorded: the decode rate was the
  // server's whenever the server reported its eval durations.
  m.throughput_from_server = j.contains("throughput_source")
                                 ? j.value("throughput_source", "") == "server statistics"
                                 : opt_number(j, "eval_ms").has_value();
  m.ttft_ms = opt_number(j, "ttft_ms");
  if (const auto it = j.find("ttft_missing"); it != j.end() && it->is_string())
    m.ttft_missing = it->get<std::string>();
  m.e2e_ms = opt_number(j, "e2e_ms");
  m.client_throughput_tps = opt_number(j, "client_throughput_tps");
  m.server_throughput_tps = opt_number(j, "server_throughput_tps");
  m.server_total_ms = opt_number(j, "server_total_ms");
  m.total_duration_ms = opt_number(j, "total_duration_ms");
  m.total_duration_from_server = j.value("total_duration_from_server", false);
  if (const auto it = j.find("server_client_disagreement"); it != j.end() && it->is_object()) {
    m.disagreeing_calls = it->value("calls", std::size_t{0});
    m.largest_disagreement = measure::ClockDisagreement{it->value("server_total_ms", 0.0),
                                                        it->value("client_e2e_ms", 0.0)};
  }
  m.tokens_generated = j.value("tokens_generated", decltype(m.tokens_generated){0});
  m.tokens_estimated = j.value("tokens_estimated", false);
  m.prompt_eval_ms = opt_number(j, "prompt_eval_ms");
  m.eval_ms = opt_number(j, "eval_ms");
  m.load_ms = opt_number(j, "load_ms");
  return m;
}

VerificationCounts verification_from_json(const nlohmann::json& j) {
  VerificationCounts v;
  if (const auto list = j.find("figures"); list != j.end() && list->is_array()) v.list = *list;
  v.figures = j.value("total", v.list.size());
  v.verified = j.value("verified", std::size_t{0});
  v.misattributed = j.value("misattributed", std::size_t{0});
  v.derived = j.value("derived", std::size_t{0});
  v.unverified = j.value("unverified", std::size_t{0});
  v.trivial = j.value("trivial", std::size_t{0});
  return v;
}

AgentOutcome outcome_from_json(const nlohmann::json& j) {
  AgentOutcome a;
  a.agent = j.value("agent", "");
  a.persona = j.value("persona", "");
  a.profile = j.value("profile", "");
  a.model = j.value("model", "");
  a.endpoint = j.value("endpoint", "");
  a.options = j.value("options", nlohmann::json::object());
  a.ok = j.value("ok", false);
  a.failure = j.value("failure", "");
  a.metrics = metrics_from_json(j.value("metrics", nlohmann::json::object()));
  a.verification = verification_from_json(j.value("verification", nlohmann::json::object()));
  a.report_file = j.value("report", "");
  a.start_ms = j.value("start_ms", 0.0);
  a.end_ms = j.value("end_ms", 0.0);
  return a;
}

ConcurrencyFigures concurrency_from_json(const nlohmann::json& j) {
  ConcurrencyFigures f;
  f.measured = j.value("measured", false);
  f.reloaded = j.value("reload_in_concurrent_run", false);
  f.sum_isolated_ms = j.value("sum_isolated_ms", 0.0);
  f.critical_path_ms = j.value("critical_path_ms", 0.0);
  f.wall_ms = j.value("wall_ms", 0.0);
  f.speedup = j.value("speedup", 0.0);
  f.ideal_speedup = j.value("ideal_speedup", 0.0);
  f.efficiency = j.value("efficiency", 0.0);
  f.efficiency_vs_n = j.value("efficiency_vs_n", 0.0);
  f.threshold = j.value("threshold", 0.9);
  f.contention = j.value("contention", false);
  f.reload_contention = j.value("reload_contention", false);
  f.reloads = j.value("reloads", std::size_t{0});
  // null: unknown (one isolated repetition per agent).
  f.baseline_stable = std::nullopt;
  if (const auto it = j.find("baseline_stable"); it == j.end()) {
    f.baseline_stable = true;
  } else if (it->is_boolean()) {
    f.baseline_stable = it->get<bool>();
  }
  f.baseline_stability_note = j.value("baseline_stability_note", "");
  f.efficiency_above_100 = j.value("efficiency_above_100", false);
  f.unstable_reasons = j.value("unstable_reasons", std::vector<std::string>{});
  f.verdict = j.value("verdict", "");
  for (const auto& a : j.value("agents", nlohmann::json::array())) {
    AgentFigures g;
    g.name = a.value("name", "");
    g.ok = a.value("ok", true);
    g.isolated_ms = a.value("isolated_ms", 0.0);
    g.concurrent_ms = a.value("concurrent_ms", 0.0);
    g.slowdown = a.value("slowdown", 0.0);
    g.reloaded = a.value("reloaded", false);
    g.reloads = a.value("reloads", std::size_t{g.reloaded ? 1u : 0u});
    g.reload_cause = a.value("reload_cause", "");
    g.reload_evidence = a.value("reload_evidence", std::vector<std::string>{});
    g.spread = a.value("baseline_spread", 0.0);
    g.repetitions = a.value("baseline_repetitions", std::size_t{0});
    f.per_agent.push_back(std::move(g));
  }
  f.agents = f.per_agent.size();
  return f;
}

bool holds_a_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : {"run_1", "summary.json", "summary.md", "requests.jsonl"}) {
    if (fs::exists(dir / name, ec)) return true;
  }
  return false;
}

// A finished run: its metrics.json is whole and says so, and no INCOMPLETE.md.
std::optional<RunRecord> finished_run(const fs::path& run_dir, const std::string& scenario) {
  std::error_code ec;
  if (fs::exists(run_dir / "INCOMPLETE.md", ec)) return std::nullopt;
  std::ifstream in(run_dir / "metrics.json");
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("interrupted", true)) return std::nullopt;
  auto record = run_record_from_json(j);
  if (record.scenario != scenario) {
    throw UsageError(fmt::format(
        "'{}' holds a run of scenario '{}', not '{}'; --resume continues the same scenario. "
        "Give a new --output-dir for this one.",
        run_dir.parent_path().string(), record.scenario, scenario));
  }
  return record;
}

// Keeps the whole lines (a kill may leave a torn last one) of runs before
// `first_run`; returns how many lines were dropped, and the store run the
// last whole line names (kept or not) in `store_run_id`.
std::size_t cut_requests(const fs::path& path, int first_run,
                         std::optional<std::int64_t>& store_run_id) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::string kept;
  std::size_t dropped = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const auto end = text.find('\n', begin);
    if (end == std::string::npos) {
      ++dropped;  // torn: the process died while writing it
      break;
    }
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object() && j.contains("store_run_id") &&
        j["store_run_id"].is_number_integer()) {
      store_run_id = j["store_run_id"].get<std::int64_t>();
    }
    if (!j.is_discarded() && j.is_object() && j.value("run", first_run) < first_run) {
      kept += line + '\n';
    } else {
      ++dropped;
    }
  }
  if (dropped > 0) write_text(path, kept);
  return dropped;
}

}  // namespace

RunRecord run_record_from_json(const nlohmann::json& j) {
  RunRecord r;
  r.index = j.value("run", 0);
  r.scenario = j.value("scenario", "");
  r.simulated = j.value("simulated", false);
  r.interrupted = j.value("interrupted", false);
  r.started_at = j.value("started_at", "");
  r.ingest_ms = j.value("ingest_ms", 0.0);
  r.concurrent_wall_ms = j.value("concurrent_wall_ms", 0.0);
  for (const auto& a : j.value("agents", nlohmann::json::array())) {
    r.agents.push_back(outcome_from_json(a));
  }
  if (j.contains("concurrency") && j["concurrency"].is_object()) {
    r.concurrency = concurrency_from_json(j["concurrency"]);
    r.isolated_first = j["concurrency"].value("phase_order", "") != "concurrent, then isolated";
  }
  return r;
}

FileLock lock_run_directory(const fs::path& dir) {
  auto lock = FileLock::try_acquire(dir / kRunLockFile);
  if (lock) return std::move(*lock);
  if (lock.error().kind == FailureKind::kInvalidInput) {
    throw Error(fmt::format(
        "'{}' is in use by another chimera run ({}); nothing was written. Wait until it ends "
        "(then --resume continues it if it was interrupted), or give another --output-dir.",
        dir.string(), lock.error().message));
  }
  throw Error(
      fmt::format("Could not lock the run directory '{}': {}", dir.string(), lock.error().message));
}

RunDirectoryState open_run_directory(const fs::path& dir, bool resume,
                                     const std::string& scenario) {
  RunDirectoryState state;
  if (!holds_a_run(dir)) return state;
  if (!resume) {
    throw UsageError(fmt::format(
        "'{}' already holds a run; nothing was overwritten. Add --resume to continue it (its "
        "finished runs are kept), or give a new --output-dir.",
        dir.string()));
  }
  for (int run = 1;; ++run) {
    auto record = finished_run(dir / fmt::format("run_{}", run), scenario);
    if (!record) break;
    state.kept.push_back(std::move(*record));
  }
  state.first_run = static_cast<int>(state.kept.size()) + 1;
  // The run in flight and any later leftovers are redone from scratch.
  std::vector<fs::path> redo;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    int index = 0;
    if (std::sscanf(name.c_str(), "run_%d", &index) == 1 && index >= state.first_run) {
      redo.push_back(entry.path());
    }
  }
  for (const auto& path : redo) fs::remove_all(path, ec);
  state.dropped_lines = cut_requests(dir / "requests.jsonl", state.first_run, state.store_run_id);
  return state;
}

}  // namespace chimera::orchestrate
