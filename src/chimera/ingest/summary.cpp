#include "chimera/ingest/summary.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "chimera/ingest/facts.hpp"

namespace chimera::ingest {

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) value /= 1024, ++unit;
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string type_counts(const Inventory& inv) {
  std::string out;
  for (const auto& [name, stats] : inv.by_type) {
    out += (out.empty() ? "" : ", ") + std::to_string(stats.files) + " " + name;
  }
  return out.empty() ? "no files" : out;
}

std::string location(const Provenance& source) {
  if (!source.json_path.empty()) return " @" + source.json_path;
  if (source.row > 0) return " @row " + std::to_string(source.row);
  if (source.line > 0) return " @line " + std::to_string(source.line);
  return "";
}

std::size_t estimate_tokens(const std::string& text) {
  return (text.size() + 3) / 4;
}

std::string data_summary(const Analysis& a, std::size_t token_budget) {
  const std::size_t budget_chars = token_budget * 4;
  const Inventory& inv = a.inventory;
  std::string out = fmt::format("Inventory: {} files, {} ({})", inv.total_files,
                                human_bytes(inv.total_bytes), type_counts(inv));
  std::string extra;
  if (!inv.empty_files.empty()) extra += fmt::format("{} empty", inv.empty_files.size());
  if (!inv.parse_failures.empty())
    extra +=
        fmt::format("{}{} failed to parse", extra.empty() ? "" : ", ", inv.parse_failures.size());
  if (!inv.skipped.empty())
    extra += fmt::format("{}{} skipped", extra.empty() ? "" : ", ", inv.skipped.size());
  if (!extra.empty()) out += "; " + extra;
  out += ".\n";
  for (const auto& root : inv.roots) {
    if (!root.exists) out += "Absent: " + root.path + " (" + root.message + ").\n";
  }
  if (out.size() > budget_chars) {
    // The inventory is never dropped; at the smallest budgets it is cut short.
    out = fmt::format("{} files ({}).\n", inv.total_files, type_counts(inv));
    return out;
  }

  // Greedy pick by score, discounted for kinds and files already picked, so a
  // small budget covers gaps, best configurations and key means rather than
  // ten facts from one file.
  std::vector<bool> used(a.facts.size(), false);
  std::map<std::string, int> picked_kind, picked_file;
  for (;;) {
    double best_score = -1;
    std::size_t best = a.facts.size();
    for (std::size_t i = 0; i < a.facts.size(); ++i) {
      const Fact& f = a.facts[i];
      if (used[i] || f.kind == "inventory" || f.kind == "absent") continue;
      const double score =
          f.score * std::pow(0.8, picked_kind[f.kind]) * std::pow(0.85, picked_file[f.source.file]);
      if (score > best_score) best_score = score, best = i;
    }
    if (best == a.facts.size()) break;
    used[best] = true;
    const Fact& f = a.facts[best];
    const std::string line = "- " + f.text + location(f.source) + "\n";
    if (out.size() + line.size() > budget_chars) continue;  // a shorter fact may still fit
    out += line;
    ++picked_kind[f.kind];
    ++picked_file[f.source.file];
  }
  return out;
}

namespace {

nlohmann::json provenance_json(const Provenance& p) {
  nlohmann::json j = {{"root", p.root}, {"file", p.file}};
  if (p.row > 0) j["row"] = p.row;
  if (!p.column.empty()) j["column"] = p.column;
  if (!p.json_path.empty()) j["json_path"] = p.json_path;
  if (p.line > 0) j["line"] = p.line;
  return j;
}

nlohmann::json issues_json(const std::vector<FileIssue>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& issue : list) {
    nlohmann::json j = provenance_json(issue.source);
    j["reason"] = issue.reason;
    if (issue.has_offset) j["offset"] = issue.offset;
    if (issue.column > 0) j["byte_column"] = issue.column;
    if (!issue.link_target.empty()) j["link_target"] = issue.link_target;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

nlohmann::json row_json(const RowRef& row) {
  nlohmann::json identity = nlohmann::json::object();
  for (const auto& [name, value] : row.identity) identity[name] = value;
  nlohmann::json j = {
      {"row", row.row}, {"value", number_or_null(row.value)}, {"identity", identity}};
  if (row.line > 0) j["line"] = row.line;
  return j;
}

nlohmann::json metric_json(const MetricInfo& metric) {
  return {
      {"unit", metric.unit}, {"direction", to_string(metric.direction)}, {"key", metric.is_key}};
}

nlohmann::json table_json(const TableAnalysis& t) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : t.columns) {
    nlohmann::json j = {{"name", c.name},
                        {"type", to_string(c.type)},
                        {"empty", c.empty},
                        {"missing", c.missing},
                        {"distinct", c.distinct},
                        {"examples", c.examples},
                        {"configuration", c.is_configuration}};
    if (c.numeric.count > 0) {
      j["numeric"] = {{"count", c.numeric.count},
                      {"mean", number_or_null(c.numeric.mean)},
                      {"min", number_or_null(c.numeric.min)},
                      {"max", number_or_null(c.numeric.max)},
                      {"p50", number_or_null(c.numeric.p50)},
                      {"p50_exact", c.numeric.p50_exact}};
    }
    if (c.metric.is_metric) j["metric"] = metric_json(c.metric);
    columns.push_back(std::move(j));
  }
  nlohmann::json extremes = nlohmann::json::array();
  for (const auto& e : t.extremes) {
    extremes.push_back({{"column", e.column},
                        {"metric", metric_json(e.metric)},
                        {"best", row_json(e.best)},
                        {"worst", row_json(e.worst)}});
  }
  nlohmann::json zero = nlohmann::json::array();
  for (const auto& z : t.zero_completed) {
    zero.push_back({{"row", row_json(z.row)},
                    {"column", z.column},
                    {"planned", z.planned >= 0 ? nlohmann::json(z.planned) : nlohmann::json()}});
  }
  nlohmann::json j = {{"source", provenance_json(t.source)},
                      {"kind", t.kind},
                      {"rows", t.rows},
                      {"ragged_rows", t.ragged_rows},
                      {"dropped_columns", t.dropped_columns},
                      {"columns", columns},
                      {"is_sweep", t.is_sweep},
                      {"extremes", extremes},
                      {"zero_completed", zero},
                      {"zero_completed_total", t.zero_completed_total}};
  if (!t.title.empty()) j["title"] = t.title;
  if (t.errors.count > 0) {
    j["error_rows"] = {{"column", t.errors.column},
                       {"count", t.errors.count},
                       {"without_tokens", t.errors.without_tokens},
                       {"first", row_json(t.errors.first)},
                       {"first_message", t.errors.first_message}};
  }
  return j;
}

nlohmann::json inventory_json(const Inventory& inv) {
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& r : inv.roots) {
    roots.push_back({{"path", r.path}, {"exists", r.exists}, {"message", r.message}});
  }
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [name, s] : inv.by_type) {
    by_type[name] = {
        {"files", s.files}, {"bytes", s.bytes}, {"latest_mtime_utc", s.latest_mtime_utc}};
  }
  nlohmann::json by_dir = nlohmann::json::object();
  for (const auto& [name, s] : inv.by_directory)
    by_dir[name] = {{"files", s.files}, {"bytes", s.bytes}};
  nlohmann::json empty = nlohmann::json::array();
  for (const auto& p : inv.empty_files) empty.push_back(provenance_json(p));
  return {{"roots", roots},
          {"total_files", inv.total_files},
          {"total_bytes", inv.total_bytes},
          {"directories", inv.directories},
          {"by_type", by_type},
          {"by_directory", by_dir},
          {"empty_files", empty},
          {"parse_failures", issues_json(inv.parse_failures)},
          {"skipped", issues_json(inv.skipped)},
          {"links_not_followed", inv.links_not_followed},
          {"warnings", issues_json(inv.warnings)}};
}

nlohmann::json leaves_json(const std::vector<JsonMetricLeaf>& json_leaves) {
  nlohmann::json leaves = nlohmann::json::array();
  for (const auto& l : json_leaves) {
    leaves.push_back({{"source", provenance_json(l.source)},
                      {"value", number_or_null(l.value)},
                      {"metric", metric_json(l.metric)}});
  }
  return leaves;
}

nlohmann::json headings_json(const std::vector<HeadingRef>& all) {
  nlohmann::json headings = nlohmann::json::array();
  for (const auto& h : all) {
    headings.push_back(
        {{"source", provenance_json(h.source)}, {"level", h.level}, {"text", h.text}});
  }
  return headings;
}

nlohmann::json gaps_json(const std::vector<Gap>& all) {
  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& g : all) {
    gaps.push_back({{"kind", g.kind},
                    {"text", g.text},
                    {"count", g.count},
                    {"source", provenance_json(g.source)}});
  }
  return gaps;
}

nlohmann::json facts_json(const std::vector<Fact>& all) {
  nlohmann::json facts = nlohmann::json::array();
  for (const auto& f : all) {
    nlohmann::json values = nlohmann::json::array();
    for (double v : f.values) values.push_back(number_or_null(v));
    facts.push_back({{"id", f.id},
                     {"kind", f.kind},
                     {"text", f.text},
                     {"values", values},
                     {"unit", f.unit},
                     {"score", f.score},
                     {"source", provenance_json(f.source)}});
  }
  return facts;
}

}  // namespace

nlohmann::json to_json(const Analysis& a) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : a.tables) tables.push_back(table_json(t));
  return {
      {"schema_version", kAnalysisSchemaVersion},
      {"elapsed_ms", a.elapsed_ms},
      {"inventory", inventory_json(a.inventory)},
      {"tables", tables},
      {"json_metric_leaves", leaves_json(a.json_leaves)},
      {"headings", headings_json(a.headings)},
      {"gaps", gaps_json(a.gaps)},
      {"facts", facts_json(a.facts)},
      {"figure_index",
       {{"figures", a.figures.size()},
        {"dropped", a.figures.dropped()},
        {"max_per_file", a.figures.max_per_file()},
        {"max_total", a.figures.max_total()}}},
      {"counts",
       {{"tables_total", a.counts.tables_total},
        {"facts_total", a.counts.facts_total},
        {"json_leaves_total", a.counts.json_leaves_total},
        {"headings_total", a.counts.headings_total},
        {"issues_dropped", a.counts.issues_dropped}}},
  };
}

}  // namespace chimera::ingest
