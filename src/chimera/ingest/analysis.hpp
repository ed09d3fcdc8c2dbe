#pragma once
// Ingestion and deterministic analysis of a folder of benchmark artifacts:
// what is there (inventory), what the files say (tables, JSON metrics,
// Markdown outlines), what is missing or broken (gaps), and a ranked list of
// facts with numbers, each traceable to a file and a row/column, JSON path or
// line. No LLM is involved; this is the truth generated text is checked against.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "chimera/ingest/figure_index.hpp"
#include "chimera/ingest/json_doc.hpp"
#include "chimera/ingest/markdown_doc.hpp"
#include "chimera/ingest/provenance.hpp"
#include "chimera/ingest/table.hpp"

namespace chimera::ingest {

enum class FileType { kCsv, kJson, kJsonl, kMarkdown, kOther };
const char* to_string(FileType type);
FileType file_type_of(const std::filesystem::path& path);

struct TypeStats {
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::int64_t latest_mtime = 0;  // seconds since the epoch; meaningful when files > 0
  std::string latest_mtime_utc;   // ISO 8601, e.g. 2025-10-02T19:12:04Z
};

struct DirectoryStats {
  std::size_t files = 0;
  std::uint64_t bytes = 0;
};

// A file that could not be read or parsed (or was read with a caveat).
struct FileIssue {
  Provenance source;  // line set when known
  std::string reason;
  std::uint64_t offset = 0;
  bool has_offset = false;
  std::size_t column = 0;   // 1-based byte column, when known
  std::string link_target;  // a symbolic link not followed: where it leads (resolved)
};

struct RootStatus {
  std::string path;
  bool exists = false;
  std::string message;  // why it is not read ("no such directory or file", ...)
};

struct Inventory {
  std::vector<RootStatus> roots;
  std::size_t total_files = 0;
  std::uint64_t total_bytes = 0;
  std::size_t directories = 0;
  std::map<std::string, TypeStats> by_type;            // "csv", "json", "jsonl", "md", "other"
  std::map<std::string, DirectoryStats> by_directory;  // root-relative ("." for the root itself)
  std::vector<Provenance> empty_files;
  std::vector<FileIssue> parse_failures;  // read, but not understood
  std::vector<FileIssue> skipped;  // not read: unreadable, vanished, FIFO, loop, too large, a link
                                   // out of the roots
  std::size_t links_not_followed = 0;  // symbolic links among `skipped` (link_target set)
  std::vector<FileIssue> warnings;     // read, with a caveat (invalid UTF-8, NaN, ragged rows)
};

struct Gap {
  std::string kind;  // zero_completed | error_rows | null_metric | non_finite | empty_file
  std::string text;
  Provenance source;
  std::size_t count = 1;
};

struct Fact {
  std::string id;  // F1, F2, ... in ranking order
  std::string
      kind;  // inventory | best | worst | metric | gap | json_metric | parse_failure | outline
  std::string text;            // one human sentence with the numbers in it
  std::vector<double> values;  // the exact values the sentence states (rounded there)
  // What each value is of its column, in the same order: "mean", "median",
  // "max", "min", "count" (ingest/figure_index.hpp kFactStatistics), or empty.
  std::vector<std::string> statistics;
  std::string unit;
  Provenance source;
  double score = 0;  // informativeness, for ranking; higher first
};

struct JsonMetricLeaf {
  Provenance source;  // json_path set
  double value = 0;
  MetricInfo metric;
};

struct HeadingRef {
  Provenance source;  // line set
  int level = 1;
  std::string text;
};

struct IngestLimits {
  std::size_t max_json_bytes = 256u << 20;     // larger JSON documents are not parsed
  std::size_t max_markdown_bytes = 32u << 20;  // larger Markdown files are not parsed
  std::size_t max_csv_row_bytes = 4u << 20;
  std::size_t max_tables = 5'000;  // kept in Analysis::tables (facts come from all)
  std::size_t max_facts = 20'000;  // the most informative are kept
  std::size_t max_json_leaves = 20'000;
  std::size_t max_headings = 5'000;
  std::size_t max_issues = 10'000;  // per issue list
  std::size_t max_figures = 1'000'000;
  std::size_t max_figures_per_file = 20'000;
};

struct IngestOptions {
  IngestLimits limits;
  // Follow symbolic links whose targets lie outside the roots (the kernel's
  // pseudo-filesystems are never entered; see path_policy.hpp).
  bool follow_symlinks = false;
  // Called before each file is opened (progress display); may be empty.
  std::function<void(const std::filesystem::path&)> on_file;
};

struct AnalysisCounts {
  std::size_t tables_total = 0;  // analysed, including those beyond max_tables
  std::size_t facts_total = 0;   // generated, including those beyond max_facts
  std::size_t json_leaves_total = 0;
  std::size_t headings_total = 0;
  std::size_t issues_dropped = 0;
};

struct Analysis {
  Inventory inventory;
  std::vector<TableAnalysis> tables;
  std::vector<JsonMetricLeaf> json_leaves;
  std::vector<HeadingRef> headings;
  std::vector<Gap> gaps;
  std::vector<Fact> facts;  // ranked, most informative first
  FigureIndex figures;
  AnalysisCounts counts;
  IngestLimits limits;
  double elapsed_ms = 0;
  bool any_root_exists() const;
};

Analysis analyse(const std::vector<std::filesystem::path>& roots,
                 const IngestOptions& options = {});

// One line per symbolic link the walk did not follow ("ROOT/FILE: reason"),
// for the console; the last says how many more there were past `max_lines`.
std::vector<std::string> links_not_followed(const Analysis& analysis, std::size_t max_lines = 50);

// UTC ISO 8601 ("2025-10-02T19:12:04Z").
std::string iso8601_utc(std::int64_t seconds_since_epoch);
// How facts print numbers: enough digits to be checked, few enough to read.
std::string format_number(double value);

}  // namespace chimera::ingest
