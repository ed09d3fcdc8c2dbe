#include "chimera/ingest/facts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "chimera/util/utf8.hpp"

namespace chimera::ingest {
namespace {

bool is_label_column(const std::string& name) {
  const std::string n = lowercase(name);
  return n == "config" || n == "config_name" || n == "model" || n == "model_name" || n == "name" ||
         n == "profile";
}

std::string with_unit(double value, const std::string& unit) {
  std::string out = format_number(value);
  if (unit.empty()) return out;
  if (unit == "%") return out + "%";
  return out + " " + unit;
}

}  // namespace

std::string iso8601_utc(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string format_number(double value) {
  if (!std::isfinite(value))
    return std::isnan(value) ? "NaN" : (value > 0 ? "Infinity" : "-Infinity");
  if (value == std::floor(value) && std::abs(value) < 1e15) return fmt::format("{:.0f}", value);
  const double magnitude = std::abs(value);
  if (magnitude >= 1) {
    const int digits = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
    return fmt::format("{:.{}f}", value, std::max(2, 4 - digits));
  }
  return fmt::format("{:.4g}", value);
}

std::string describe_row(const RowRef& row) {
  std::string label;
  std::vector<std::string> rest;
  for (const auto& [name, value] : row.identity) {
    if (label.empty() && is_label_column(name)) {
      const std::string n = lowercase(name);
      label = (n == "config_name" || n == "config" ? "config "
               : n == "model"                      ? "model "
                                                   : name + " ") +
              value;
    } else {
      rest.push_back(name + "=" + value);
    }
  }
  std::string joined;
  for (const auto& part : rest) joined += (joined.empty() ? "" : ", ") + part;
  if (label.empty() && joined.empty()) return "row " + std::to_string(row.row);
  if (label.empty()) return joined;
  return joined.empty() ? label : label + " (" + joined + ")";
}

void FactBuilder::add(Fact fact) {
  ++a_.counts.facts_total;
  a_.facts.push_back(std::move(fact));
  const std::size_t cap = std::max<std::size_t>(a_.limits.max_facts, 1);
  if (a_.facts.size() >= 2 * cap) {
    // Keep memory bounded on huge trees: drop the least informative half.
    std::stable_sort(a_.facts.begin(), a_.facts.end(),
                     [](const Fact& x, const Fact& y) { return x.score > y.score; });
    a_.facts.resize(cap);
  }
}

void FactBuilder::add_gap(Gap gap, double score, std::vector<double> values) {
  Fact fact;
  fact.kind = "gap";
  fact.text = gap.text;
  fact.values = std::move(values);
  fact.source = gap.source;
  fact.score = score;
  add(std::move(fact));
  if (a_.gaps.size() < a_.limits.max_facts) a_.gaps.push_back(std::move(gap));
}

void FactBuilder::absent_root(const RootStatus& root) {
  Fact fact;
  fact.kind = "absent";
  fact.text = "Expected directory " + root.path + " is absent (" + root.message + ")";
  fact.source.root = root.path;
  fact.score = 0.85;
  add(std::move(fact));
}

void FactBuilder::empty_file(const Provenance& source) {
  add_gap(Gap{"empty_file", source.file + " is empty (0 bytes)", source, 1}, 0.5, {0});
}

void FactBuilder::parse_failure(const FileIssue& issue) {
  Fact fact;
  fact.kind = "parse_failure";
  fact.text = issue.source.file + " could not be parsed: " + issue.reason;
  if (issue.source.line > 0) fact.text += " (line " + std::to_string(issue.source.line) + ")";
  fact.source = issue.source;
  fact.score = 0.65;
  add(std::move(fact));
}

// Each row that completed nothing, as a gap.
void FactBuilder::zero_completed(const TableAnalysis& t) {
  const std::string& file = t.source.file;
  for (const auto& zero : t.zero_completed) {
    Gap gap;
    gap.kind = "zero_completed";
    gap.source = t.source;
    gap.source.row = zero.row.row;
    gap.source.line = zero.row.line;
    gap.source.column = zero.column;
    if (!t.source.json_path.empty()) {
      gap.source.json_path = t.source.json_path + "[" + std::to_string(zero.row.row - 1) + "]";
    }
    const std::string who = zero.row.identity.empty() ? "" : " for " + describe_row(zero.row);
    std::vector<double> values{0};
    if (zero.planned >= 0) {
      gap.text = "0 of " + format_number(zero.planned) + " prompts completed" + who + " in " + file;
      values.push_back(zero.planned);
    } else {
      gap.text = "0 requests completed" + who + " in " + file;
    }
    add_gap(std::move(gap), 0.95, std::move(values));
  }
}

void FactBuilder::error_rows(const TableAnalysis& t) {
  if (t.errors.count == 0) return;
  const std::string& file = t.source.file;
  Gap gap;
  gap.kind = "error_rows";
  gap.count = t.errors.count;
  gap.source = t.source;
  gap.source.row = t.errors.first.row;
  gap.source.line = t.errors.first.line;
  gap.source.column = t.errors.column;
  gap.text = fmt::format(
      "{} of {} rows in {} have a non-empty {} column ({} with 0 tokens); "
      "first at row {}: \"{}\"",
      t.errors.count, t.rows, file, t.errors.column, t.errors.without_tokens, t.errors.first.row,
      util::utf8_prefix(t.errors.first_message, 80));
  add_gap(std::move(gap), 0.92,
          {static_cast<double>(t.errors.count), static_cast<double>(t.rows),
           static_cast<double>(t.errors.without_tokens)});
}

// A metric column: its null values as a gap, its spread as a fact.
void FactBuilder::metric_column(const TableAnalysis& t, const ColumnAnalysis& column) {
  const std::string& file = t.source.file;
  if (column.missing > 0) {
    Gap gap;
    gap.kind = "null_metric";
    gap.count = column.missing;
    gap.source = t.source;
    gap.source.column = column.name;
    gap.source.row = column.first_missing_row;
    gap.text = fmt::format("{} of {} values of {} are null or NaN in {}", column.missing, t.rows,
                           column.name, file);
    add_gap(std::move(gap), 0.6,
            {static_cast<double>(column.missing), static_cast<double>(t.rows)});
  }
  const NumericSummary& s = column.numeric;
  if (s.count == 0) return;
  Fact fact;
  fact.kind = "metric";
  fact.unit = column.metric.unit;
  fact.source = t.source;
  fact.source.column = column.name;
  fact.score = column.metric.is_key ? 0.7 : 0.35;
  if (s.count == 1) {
    fact.text = fmt::format("{} = {} in {}", column.name, with_unit(s.mean, fact.unit), file);
    fact.values = {s.mean};
    fact.statistics = {"mean"};
  } else {
    fact.text = fmt::format("{} in {}: mean {} over {} rows (min {}, p50 {}, max {})", column.name,
                            file, with_unit(s.mean, fact.unit), s.count, format_number(s.min),
                            format_number(s.p50), format_number(s.max));
    fact.values = {s.mean, s.min, s.p50, s.max, static_cast<double>(s.count)};
    fact.statistics = {"mean", "min", "median", "max", "count"};
  }
  add(std::move(fact));
}

// The best and the worst row of each metric.
void FactBuilder::extremes(const TableAnalysis& t) {
  const std::string& file = t.source.file;
  for (const auto& extreme : t.extremes) {
    const bool key = extreme.metric.is_key;
    for (int which = 0; which < 2; ++which) {
      const RowRef& row = which == 0 ? extreme.best : extreme.worst;
      Fact fact;
      fact.kind = which == 0 ? "best" : "worst";
      fact.unit = extreme.metric.unit;
      fact.source = t.source;
      fact.source.row = row.row;
      fact.source.line = row.line;
      fact.source.column = extreme.column;
      if (!t.source.json_path.empty()) {
        fact.source.json_path = t.source.json_path + "[" + std::to_string(row.row - 1) + "]";
      }
      fact.text = fmt::format("{} {}: {} for {} ({} rows in {})", which == 0 ? "Best" : "Worst",
                              extreme.column, with_unit(row.value, fact.unit), describe_row(row),
                              t.rows, file);
      fact.values = {row.value};
      // The best row holds the column's maximum when higher is better.
      const bool higher = extreme.metric.direction == Direction::kHigherIsBetter;
      fact.statistics = {(which == 0) == higher ? "max" : "min"};
      fact.score = which == 0 ? (key ? 0.9 : 0.6) : (key ? 0.75 : 0.45);
      add(std::move(fact));
    }
  }
}

void FactBuilder::table(const TableAnalysis& t) {
  zero_completed(t);
  error_rows(t);
  for (const auto& column : t.columns) {
    if (column.metric.is_metric) metric_column(t, column);
  }
  extremes(t);
}

void FactBuilder::json_document(const Provenance& source, const JsonDocument& doc) {
  for (const auto& zero : doc.zero_completed) {
    Gap gap;
    gap.kind = "zero_completed";
    gap.source = source;
    gap.source.json_path = zero.path;
    const std::string who = zero.label.empty() ? "" : " for " + zero.label;
    std::vector<double> values{0};
    if (zero.planned >= 0) {
      gap.text =
          "0 of " + format_number(zero.planned) + " prompts completed" + who + " in " + source.file;
      values.push_back(zero.planned);
    } else {
      gap.text = "0 requests completed" + who + " in " + source.file;
    }
    add_gap(std::move(gap), 0.95, std::move(values));
  }
  for (const auto& path : doc.null_metrics) {
    Gap gap{"null_metric", path + " is null in " + source.file, source, 1};
    gap.source.json_path = path;
    add_gap(std::move(gap), 0.5);
  }
  if (!doc.non_finite.empty()) {
    const NonFiniteToken& first = doc.non_finite.front();
    Gap gap;
    gap.kind = "non_finite";
    gap.count = doc.non_finite.size();
    gap.source = source;
    gap.source.line = first.line;
    gap.source.json_path = first.json_path;
    gap.text = fmt::format("{} NaN/Infinity value(s) in {} (first: {} at line {}{})",
                           doc.non_finite.size(), source.file, first.token, first.line,
                           first.json_path.empty() ? "" : ", " + first.json_path);
    add_gap(std::move(gap), 0.55, {static_cast<double>(doc.non_finite.size())});
  }
  for (const auto& leaf : doc.metric_leaves) {
    Fact fact;
    fact.kind = "json_metric";
    fact.unit = leaf.metric.unit;
    fact.source = source;
    fact.source.json_path = leaf.path;
    fact.text =
        fmt::format("{} = {} in {}", leaf.path, with_unit(leaf.value, fact.unit), source.file);
    fact.values = {leaf.value};
    fact.score = leaf.metric.is_key ? 0.5 : 0.25;
    add(std::move(fact));
  }
}

void FactBuilder::outline(const Provenance& source, const MarkdownDocument& doc) {
  if (doc.heading_count == 0 && doc.tables.empty()) return;
  Fact fact;
  fact.kind = "outline";
  fact.source = source;
  fact.text = fmt::format("{}: {} heading(s){}, {} table(s)", source.file, doc.heading_count,
                          doc.headings.empty() ? "" : ", first \"" + doc.headings[0].text + "\"",
                          doc.tables.size());
  if (!doc.headings.empty()) fact.source.line = doc.headings[0].line;
  fact.values = {static_cast<double>(doc.heading_count), static_cast<double>(doc.tables.size())};
  fact.score = 0.15;
  add(std::move(fact));
}

void FactBuilder::finish(Analysis& a) {
  const Inventory& inv = a.inventory;
  Fact inventory;
  inventory.kind = "inventory";
  std::string types;
  for (const auto& [name, stats] : inv.by_type) {
    types += (types.empty() ? "" : ", ") + std::to_string(stats.files) + " " + name;
    inventory.values.push_back(static_cast<double>(stats.files));
  }
  inventory.text =
      fmt::format("{} files, {} bytes ({}); {} empty, {} failed to parse, {} skipped",
                  inv.total_files, inv.total_bytes, types.empty() ? "none" : types,
                  inv.empty_files.size(), inv.parse_failures.size(), inv.skipped.size());
  inventory.values.insert(inventory.values.begin(), {static_cast<double>(inv.total_files),
                                                     static_cast<double>(inv.total_bytes)});
  for (const auto& root : inv.roots) {
    if (root.exists) {
      inventory.source.root = root.path;
      break;
    }
  }
  inventory.score = 1.0;
  ++a.counts.facts_total;
  a.facts.push_back(std::move(inventory));

  std::stable_sort(a.facts.begin(), a.facts.end(),
                   [](const Fact& x, const Fact& y) { return x.score > y.score; });
  if (a.facts.size() > a.limits.max_facts) a.facts.resize(a.limits.max_facts);
  std::size_t next = 1;
  for (auto& fact : a.facts) {
    fact.id = "F" + std::to_string(next++);
    for (std::size_t i = 0; i < fact.values.size(); ++i) {
      const std::string_view statistic =
          i < fact.statistics.size() ? std::string_view(fact.statistics[i]) : std::string_view();
      a.figures.add_fact_figure(fact.values[i], fact.source, statistic);
    }
  }
}

}  // namespace chimera::ingest
