#include "chimera/orchestrate/run/figure_sources.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "chimera/ingest/metric_names.hpp"

namespace chimera::orchestrate {
namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

template <std::size_t N>
bool contains_any(std::string_view text, const std::array<std::string_view, N>& parts) {
  for (auto part : parts) {
    if (contains(text, part)) return true;
  }
  return false;
}

// Names of shares of a whole. A bare "rate" is not one of them: Ollama's
// eval_rate is a throughput.
constexpr std::array<std::string_view, 14> kProportionWords = {
    "ratio",      "fraction",     "efficiency",   "util",     "accuracy",
    "error_rate", "failure_rate", "success_rate", "hit_rate", "miss_rate",
    "drop_rate",  "reject_rate",  "share",        "occupancy"};

bool is_count_name(std::string_view n) {
  return n.starts_with("num_") || n.starts_with("n_") || n.ends_with("count") ||
         n.ends_with("_size") || n.ends_with("_len") || n.ends_with("length") || n == "rows" ||
         n == "iterations" || n == "repetitions" || n == "index" || n == "idx";
}

}  // namespace

std::string unit_from_name(std::string_view name, double value) {
  const std::string n = ingest::lowercase(name);
  if (contains(n, "pct") || contains(n, "percent") || n.ends_with("%")) return "%";
  const ingest::MetricInfo metric = ingest::classify_metric(name);
  if (metric.unit == "tokens/s") return "tok/s";
  if (!metric.unit.empty()) return metric.unit;
  if (n.ends_with("eval_rate")) return "tok/s";
  if (contains(n, "speedup")) return "x";
  if (contains_any(n, kProportionWords)) return std::abs(value) <= 1 ? "fraction" : "%";
  if (ingest::is_token_column_name(n) || n.ends_with("eval_count")) return "tokens";
  if (ingest::is_configuration_name(n) || ingest::is_completion_count_name(n) ||
      ingest::is_planned_count_name(n) || is_count_name(n)) {
    return "count";
  }
  return "";
}

std::string figure_name(const ingest::Provenance& source) {
  if (!source.column.empty()) return source.column;
  std::string_view path = source.json_path;
  while (path.ends_with(']')) {
    const auto open = path.rfind('[');
    if (open == std::string_view::npos) break;
    path = path.substr(0, open);
  }
  const auto dot = path.find_last_of(".]");
  return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

IngestFigureSource::IngestFigureSource(const ingest::FigureIndex& index, std::size_t per_lookup)
    : index_(index), per_lookup_(per_lookup) {}

namespace {

// A JSON leaf named only by a statistic ("$.warm.ttft_ms.p95") is that
// statistic of its parent key: "ttft_ms_p95".
std::string metric_name(const ingest::Provenance& source, const std::string& name) {
  static constexpr std::array<std::string_view, 11> kStatistics = {
      "mean", "avg", "average", "median", "p50", "p90", "p95", "p99", "max", "min", "peak"};
  if (source.json_path.empty() || !source.column.empty() ||
      std::find(kStatistics.begin(), kStatistics.end(), ingest::lowercase(name)) ==
          kStatistics.end()) {
    return name;
  }
  std::string_view path = source.json_path;
  path = path.substr(0, path.rfind('.'));
  while (path.ends_with(']') && path.rfind('[') != std::string_view::npos) {
    path = path.substr(0, path.rfind('['));
  }
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= path.size()) return name;
  return std::string(path.substr(dot + 1)) + "_" + name;
}

}  // namespace

agents::KnownFigure IngestFigureSource::known(const ingest::FigureMatch& match) const {
  const std::string name = metric_name(match.source, figure_name(match.source));
  std::string unit = unit_from_name(name, match.value);
  // A fact that summarises a column (no row) also states how many rows it
  // covers; whole numbers among its figures may be those counts. The column's
  // own cells carry its values with their unit anyway.
  if (match.from_fact && match.source.row == 0 && match.value == std::floor(match.value) &&
      !unit.empty()) {
    unit = "count";
  }
  agents::KnownFigure figure{match.value, std::move(unit), name, match.source.describe()};
  figure.metric = name;
  figure.entities = match.entities;
  figure.origin = agents::FigureOrigin::kArtifact;
  figure.statistic = match.statistic;
  figure.group = match.source.root + "/" + match.source.file;
  return figure;
}

std::vector<agents::KnownFigure> IngestFigureSource::find(double value, double rel_tol) const {
  std::vector<agents::KnownFigure> out;
  for (const auto& match : index_.find(value, rel_tol, per_lookup_)) out.push_back(known(match));
  return out;
}

std::vector<std::string> IngestFigureSource::entity_names() const {
  return index_.entity_names();
}

std::vector<agents::KnownFigure> IngestFigureSource::about(const std::string& entity,
                                                           std::size_t limit) const {
  std::vector<agents::KnownFigure> out;
  for (const auto& match : index_.about(entity, limit)) out.push_back(known(match));
  return out;
}

}  // namespace chimera::orchestrate
