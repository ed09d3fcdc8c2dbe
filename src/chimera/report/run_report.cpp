#include "chimera/report/run_report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "chimera/report/outputs.hpp"

namespace chimera::report {
namespace fs = std::filesystem;
namespace {

std::optional<nlohmann::json> read_json(const fs::path& path, std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    warnings.push_back(
        fmt::format("{} is not a JSON object; its figures are left out", path.filename().string()));
    return std::nullopt;
  }
  return j;
}

std::optional<double> number_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

void read_calls(RunDirectory& out) {
  std::ifstream in(out.dir / "requests.jsonl");
  if (!in) return;
  std::string line;
  std::size_t number = 0, bad = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++bad;
      continue;
    }
    RunCall c;
    c.run = j.value("run", 0);
    c.phase = j.value("phase", "");
    c.agent = j.value("agent", "");
    c.start_ms = number_field(j, "t_start_ms");
    c.end_ms = number_field(j, "t_end_ms");
    c.result = measure::request_from_json(j);
    out.calls.push_back(std::move(c));
  }
  if (bad > 0) {
    out.warnings.push_back(fmt::format(
        "requests.jsonl: {} of {} lines are not JSON (a line cut short by a crash?); they are "
        "left out",
        bad, number));
  }
}

// summary.json lists every finished run; a run in flight (or a directory
// without summary.json) is read from its own metrics.json.
void read_runs(RunDirectory& out) {
  if (auto summary = read_json(out.dir / "summary.json", out.warnings)) {
    out.scenario = summary->value("scenario", "");
    out.simulated = summary->value("simulated", false);
    out.complete = summary->value("complete", false);
    if (auto it = summary->find("runs"); it != summary->end() && it->is_array()) {
      for (const auto& r : *it) out.runs.push_back(r);
    }
    out.concurrency = summary->value("concurrency", nlohmann::json());
  }
  for (int n = static_cast<int>(out.runs.size()) + 1;; ++n) {
    const auto path = out.dir / fmt::format("run_{}", n) / "metrics.json";
    if (!fs::exists(path)) break;
    auto metrics = read_json(path, out.warnings);
    if (!metrics) break;
    if (out.scenario.empty()) out.scenario = metrics->value("scenario", "");
    out.simulated = out.simulated || metrics->value("simulated", false);
    out.runs.push_back(std::move(*metrics));
  }
}

void read_reports(RunDirectory& out) {
  for (auto run = out.runs.rbegin(); run != out.runs.rend(); ++run) {
    const int index = run->value("run", 0);
    const auto agents = run->value("agents", nlohmann::json::array());
    for (const auto& a : agents) {
      const auto file = fmt::format("run_{}/{}", index, a.value("report", ""));
      std::ifstream in(out.dir / file);
      if (!in) continue;
      std::stringstream text;
      text << in.rdbuf();
      out.reports.push_back({a.value("agent", ""), file, text.str()});
    }
    if (!out.reports.empty()) {
      out.reports_run = index;
      return;
    }
  }
}

}  // namespace

bool is_run_directory(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) &&
         (fs::exists(dir / "summary.json", ec) || fs::exists(dir / "requests.jsonl", ec) ||
          fs::exists(dir / "run_1" / "metrics.json", ec));
}

Expected<RunDirectory> read_run_directory(const fs::path& dir) {
  if (!is_run_directory(dir)) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("'{}' is not a `chimera run` output directory (it has no summary.json, "
                            "requests.jsonl or run_1/metrics.json)",
                            dir.string()));
  }
  RunDirectory out;
  out.dir = dir;
  read_runs(out);
  read_calls(out);
  read_reports(out);
  std::error_code ec;
  if (fs::exists(dir / "summary.json", ec) && !out.complete) {
    out.warnings.push_back(
        "summary.json does not mark this run complete: it is still going, or it was stopped "
        "before the end; the figures cover the runs finished so far");
  }
  return out;
}

Expected<fs::path> write_run_report(const fs::path& dir) {
  auto run = read_run_directory(dir);
  if (!run) return std::unexpected(run.error());
  std::ostringstream page;
  write_run_page(*run, page);
  const auto path = dir / "report.html";
  if (auto w = write_file_atomically(path.string(), page.str()); !w)
    return std::unexpected(w.error());
  return path;
}

}  // namespace chimera::report
