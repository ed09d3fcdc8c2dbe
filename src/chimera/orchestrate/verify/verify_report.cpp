#include "chimera/orchestrate/verify/verify_report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "chimera/ingest/analysis.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "chimera/orchestrate/run/run_directory.hpp"
#include "chimera/orchestrate/run/run_figures.hpp"
#include "chimera/report/combined_report.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw UsageError(
        fmt::format("'{}' is not a file; give the Markdown report to check", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw Error(fmt::format("could not read '{}'", path.string()));
  return text.str();
}

// RUN_DIR/metrics.json, else the metrics.json of its last finished run_N/.
fs::path metrics_file(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "metrics.json", ec)) return dir / "metrics.json";
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("--run '{}' is not a directory", dir.string()));
  }
  int last = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("run_") || !fs::is_regular_file(entry.path() / "metrics.json", ec) ||
        fs::exists(entry.path() / "INCOMPLETE.md", ec)) {
      continue;
    }
    try {
      last = std::max(last, std::stoi(name.substr(4)));
    } catch (const std::exception&) {
      continue;
    }
  }
  if (last == 0) {
    throw Error(
        fmt::format("'{}' holds no finished run: no metrics.json in it nor in a run_N/ directory",
                    dir.string()));
  }
  return dir / fmt::format("run_{}", last) / "metrics.json";
}

RunRecord read_run(const fs::path& file) {
  const auto json = nlohmann::json::parse(read_text(file), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw Error(fmt::format("'{}' is not a run's metrics.json (not a JSON object)", file.string()));
  }
  return run_record_from_json(json);
}

}  // namespace

VerifyReportResult verify_report(const VerifyReportOptions& options) {
  VerifyReportResult out;
  out.report = options.report.string();
  const std::string text = read_text(options.report);
  if (options.artifacts.empty())
    throw UsageError("give --artifacts DIR: the data to check against");
  for (const auto& root : options.artifacts) {
    std::error_code ec;
    if (!fs::exists(root, ec)) {
      throw UsageError(fmt::format("--artifacts '{}' does not exist", root.string()));
    }
  }
  const auto analysis = ingest::analyse(options.artifacts);
  out.artifact_figures = analysis.figures.size();
  const IngestFigureSource data(analysis.figures);
  RunRecord run;
  if (options.run_dir) {
    const fs::path file = metrics_file(*options.run_dir);
    run = read_run(file);
    out.run_metrics = file.string();
    out.run_agents = run.agents.size();
  }
  const agents::VectorFigureSource measured = run_figures(run.agents);
  out.result = agents::verify(text, {&data, &measured});
  out.counts = report::count_figures(out.result);
  return out;
}

std::string render_verify_text(const VerifyReportResult& r) {
  std::string out = fmt::format("{}: {} figures, {}\n", r.report, r.counts.figures,
                                report::verified_of_checkable(r.counts));
  out += fmt::format("Known: {} figures from the artifacts", r.artifact_figures);
  out += r.run_metrics.empty()
             ? "; no run given (--run), so no measurement of this run is known\n\n"
             : fmt::format("; {} agents of the run in {}\n\n", r.run_agents, r.run_metrics);
  for (const auto& f : r.result.figures) {
    if (f.status == agents::FigureStatus::kTrivial) continue;
    out += fmt::format("- {:<13} `{}` in \"{}\"", agents::to_string(f.status), f.text_as_written,
                       f.sentence);
    if (f.status == agents::FigureStatus::kDerived) {
      out += fmt::format(" — {}: {}", f.formula_kind, f.formula);
    } else if (!f.matches.empty()) {
      out += fmt::format(" — {} ({})", f.matches.front().label, f.matches.front().source);
    }
    if (!f.reason.empty() && (f.status == agents::FigureStatus::kUnverified ||
                              f.status == agents::FigureStatus::kMisattributed)) {
      out += " — " + f.reason;
    }
    out += "\n";
  }
  return out;
}

nlohmann::json verify_json(const VerifyReportResult& r) {
  nlohmann::json j = report::to_json(r.counts);
  j["report"] = r.report;
  j["run_metrics"] =
      r.run_metrics.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.run_metrics);
  j["artifact_figures"] = r.artifact_figures;
  j["run_agents"] = r.run_agents;
  j["text"] = report::verified_of_checkable(r.counts);
  return j;
}

}  // namespace chimera::orchestrate
