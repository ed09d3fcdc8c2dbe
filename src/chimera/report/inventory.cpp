#include "chimera/report/inventory.hpp"

#include <fmt/format.h>

#include "chimera/ingest/facts.hpp"
#include "chimera/ingest/summary.hpp"

namespace chimera::report {

using namespace chimera::ingest;

namespace {

std::string overview_section(const ingest::Analysis& a) {
  const Inventory& inv = a.inventory;
  std::string out = "# Inventory\n\n";
  for (const auto& root : inv.roots) {
    out += root.exists ? fmt::format("- Root `{}`\n", root.path)
                       : fmt::format("- Root `{}`: **absent** ({})\n", root.path, root.message);
  }
  out += fmt::format("\n{} files, {} ({} bytes) in {} directories; analysed in {:.1f} ms.\n\n",
                     inv.total_files, human_bytes(inv.total_bytes), inv.total_bytes,
                     inv.directories, a.elapsed_ms);
  out += "| type | files | bytes | latest modified (UTC) |\n|---|---:|---:|---|\n";
  for (const auto& [name, stats] : inv.by_type) {
    out += fmt::format("| {} | {} | {} | {} |\n", name, stats.files, stats.bytes,
                       stats.latest_mtime_utc);
  }
  out += fmt::format("| **total** | {} | {} | |\n\n", inv.total_files, inv.total_bytes);
  return out;
}

// The first 100 directories.
std::string directories_section(const Inventory& inv) {
  std::string out = "## Directories\n\n| directory | files | bytes |\n|---|---:|---:|\n";
  std::size_t shown = 0;
  for (const auto& [dir, stats] : inv.by_directory) {
    if (shown++ == 100) {
      out += fmt::format("| ... {} more | | |\n", inv.by_directory.size() - 100);
      break;
    }
    out += fmt::format("| {} | {} | {} |\n", dir, stats.files, stats.bytes);
  }
  return out;
}

// The first 100 gaps.
std::string gaps_section(const std::vector<Gap>& gaps) {
  std::string out = fmt::format("\n## Gaps ({})\n\n", gaps.size());
  if (gaps.empty()) out += "None found.\n";
  for (std::size_t i = 0; i < gaps.size() && i < 100; ++i) {
    out += fmt::format("- **{}**: {}{}\n", gaps[i].kind, gaps[i].text, location(gaps[i].source));
  }
  if (gaps.size() > 100) out += fmt::format("- ... and {} more\n", gaps.size() - 100);
  return out;
}

std::string extremes_section(const std::vector<TableAnalysis>& tables) {
  std::string out = "\n## Best and worst configurations\n\n";
  bool any_sweep = false;
  for (const auto& table : tables) {
    if (table.extremes.empty()) continue;
    any_sweep = true;
    out += fmt::format(
        "### {}{} ({} rows)\n\n| metric | best | worst |\n|---|---|---|\n", table.source.file,
        table.source.json_path.empty() ? "" : " " + table.source.json_path, table.rows);
    for (const auto& e : table.extremes) {
      const std::string unit = e.metric.unit.empty() ? "" : " " + e.metric.unit;
      out += fmt::format(
          "| {} ({}) | {}{} — {} (row {}) | {}{} — {} (row {}) |\n", e.column,
          e.metric.direction == Direction::kHigherIsBetter ? "higher is better" : "lower is better",
          format_number(e.best.value), unit, describe_row(e.best), e.best.row,
          format_number(e.worst.value), unit, describe_row(e.worst), e.worst.row);
    }
    out += "\n";
  }
  if (!any_sweep) out += "No configuration sweeps found.\n\n";
  return out;
}

std::string issues_section(const char* title, const std::vector<FileIssue>& list) {
  std::string out = fmt::format("## {} ({})\n\n", title, list.size());
  if (list.empty()) out += "None.\n";
  for (const auto& issue : list) {
    std::string where;
    if (issue.source.line > 0) where += fmt::format(" line {}", issue.source.line);
    if (issue.column > 0) where += fmt::format(" column {}", issue.column);
    if (issue.has_offset) where += fmt::format(" (byte offset {})", issue.offset);
    out += fmt::format("- `{}`{}: {}\n", issue.source.file, where, issue.reason);
  }
  return out + "\n";
}

std::string file_issues_sections(const Inventory& inv) {
  std::string out = issues_section("Parse failures", inv.parse_failures) +
                    issues_section("Skipped", inv.skipped) +
                    issues_section("Warnings", inv.warnings);
  if (!inv.empty_files.empty()) {
    out += fmt::format("## Empty files ({})\n\n", inv.empty_files.size());
    for (const auto& file : inv.empty_files) out += "- `" + file.file + "`\n";
    out += "\n";
  }
  return out;
}

// The highest-ranked facts, then what the index's and the analysis's limits left out.
std::string facts_section(const ingest::Analysis& a, std::size_t max_facts) {
  std::string out =
      fmt::format("## Top facts ({} of {})\n\n| id | fact | source |\n|---|---|---|\n",
                  std::min(max_facts, a.facts.size()), a.facts.size());
  for (std::size_t i = 0; i < a.facts.size() && i < max_facts; ++i) {
    const Fact& f = a.facts[i];
    std::string text = f.text;
    for (char& c : text) {
      if (c == '|') c = '/';
    }
    out += fmt::format("| {} | {} | {} |\n", f.id, text, f.source.describe());
  }
  if (a.figures.dropped() > 0 || a.counts.tables_total > a.tables.size() ||
      a.counts.facts_total > a.facts.size()) {
    out += fmt::format(
        "\nLimits: {} figures indexed ({} not indexed beyond {} per file / {} in total); "
        "{} of {} tables kept in detail; {} of {} facts kept.\n",
        a.figures.size(), a.figures.dropped(), a.figures.max_per_file(), a.figures.max_total(),
        a.tables.size(), a.counts.tables_total, a.facts.size(), a.counts.facts_total);
  }
  return out;
}

}  // namespace

std::string render_inventory_markdown(const ingest::Analysis& a, std::size_t max_facts) {
  return overview_section(a) + directories_section(a.inventory) + gaps_section(a.gaps) +
         extremes_section(a.tables) + file_issues_sections(a.inventory) +
         facts_section(a, max_facts);
}

}  // namespace chimera::report
