#pragma once
// Streaming analysis of one table (a CSV file, a JSON array of records, a
// Markdown table): column types, numeric summaries, metric columns, the best
// and worst rows of a configuration sweep, error rows and runs that completed
// nothing. Rows are seen once; memory is bounded by the column count.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chimera/ingest/metric_names.hpp"
#include "chimera/ingest/provenance.hpp"

namespace chimera::ingest {

class FigureIndex;

enum class ColumnType { kEmpty, kInteger, kNumber, kBoolean, kText, kMixed };
const char* to_string(ColumnType type);

struct NumericSummary {
  std::size_t count = 0;
  double mean = 0, min = 0, max = 0, p50 = 0;
  // False when the column had more values than are kept: p50 is then the
  // median of a uniform random sample of them.
  bool p50_exact = true;
};

struct ColumnAnalysis {
  std::string name;
  ColumnType type = ColumnType::kEmpty;
  std::size_t empty = 0;    // blank cells (and absent keys in JSON records)
  std::size_t missing = 0;  // null, NaN, Infinity, "nan", "None", "N/A"
  std::size_t text = 0;     // neither a number nor a boolean
  std::size_t first_missing_row = 0;
  NumericSummary numeric;
  MetricInfo metric;
  bool is_configuration = false;
  std::size_t distinct = 0;           // distinct non-empty values, counted up to kMaxDistinct
  std::vector<std::string> examples;  // the first few distinct values
  static constexpr std::size_t kMaxDistinct = 64;
};

using Identity = std::vector<std::pair<std::string, std::string>>;  // column=value

struct RowRef {
  std::size_t row = 0;   // 1-based data row
  std::size_t line = 0;  // line of the row in the file (0 for JSON)
  double value = 0;
  Identity identity;  // the configuration columns of that row
};

struct Extreme {
  std::string column;
  MetricInfo metric;
  RowRef best, worst;
};

struct ErrorRows {
  std::string column;
  std::size_t count = 0;           // rows with a non-empty error cell
  std::size_t without_tokens = 0;  // ...of which generated no tokens
  RowRef first;
  std::string first_message;
};

struct ZeroCompletion {
  RowRef row;           // identity names the run (model, config, ...)
  std::string column;   // "completed"
  double planned = -1;  // from a column such as prompt_count; -1 when unknown
  std::string planned_column;
};

struct TableAnalysis {
  Provenance source;  // the file; json_path for JSON tables, line for Markdown tables
  std::string kind;   // "csv" | "jsonl" | "json_records" | "markdown"
  std::string title;  // Markdown: the heading above the table
  std::size_t rows = 0;
  std::size_t ragged_rows = 0;  // rows whose field count differs from the header's
  std::size_t first_ragged_line = 0;
  std::size_t first_ragged_row = 0;
  std::size_t dropped_columns = 0;  // beyond the column limit
  std::vector<ColumnAnalysis> columns;
  bool is_sweep = false;
  std::vector<Extreme> extremes;  // one per numeric metric column of a sweep
  ErrorRows errors;
  std::vector<ZeroCompletion> zero_completed;  // bounded
  std::size_t zero_completed_total = 0;
};

// One cell as the table sees it, whatever the file format.
struct Cell {
  enum class Kind { kAbsent, kNull, kNumber, kBool, kText };
  Kind kind = Kind::kAbsent;
  double number = 0;
  std::string_view text;  // the cell's text (also set for numbers from text formats)

  static Cell from_text(std::string_view raw);  // CSV and Markdown cells
};

class TableAccumulator {
 public:
  static constexpr std::size_t kMaxColumns = 512;
  static constexpr std::size_t kMaxKeptValues = 65'536;
  static constexpr std::size_t kMaxZeroCompletions = 64;

  TableAccumulator(std::vector<std::string> header, Provenance source, std::string kind,
                   FigureIndex* figures = nullptr, std::uint32_t figure_file = 0);

  // Adds a column (JSON records may bring new keys at any row); returns its
  // index, or -1 beyond kMaxColumns. Earlier rows count as empty in it.
  long add_column(const std::string& name);
  long column_index(const std::string& name) const;

  // `cells` in header order; fewer or more cells than columns is a ragged row.
  void add_row(const std::vector<Cell>& cells, std::size_t line);
  TableAnalysis finish();
  std::size_t rows() const { return table_.rows; }

 private:
  struct ColumnState {
    std::vector<double> kept;  // for the median; a reservoir once full
    double sum = 0;
    std::size_t integers = 0, numbers = 0, booleans = 0;
    std::vector<std::string> distinct;
    bool distinct_overflow = false;
  };
  void observe(std::size_t column, const Cell& cell, std::size_t row);
  void observe_number(ColumnAnalysis& column, ColumnState& state, const Cell& cell,
                      std::size_t row);
  static void count_distinct(ColumnState& state, std::string_view repr);
  // finish(): each column's summary and type, then the sweep's best and worst rows.
  void finish_column(std::size_t index);
  void name_extremes();
  void track_extremes(const std::vector<Cell>& cells, std::size_t line);
  // The row reports an error, or produced no tokens or completed nothing: its
  // metrics are not a configuration's performance and never rank as best or worst.
  bool row_failed(const std::vector<Cell>& cells) const;
  bool error_cell_set(const Cell& error) const;
  void track_errors(const std::vector<Cell>& cells, std::size_t line);
  Identity identity_of(const std::vector<Cell>& cells) const;

  TableAnalysis table_;
  std::vector<ColumnState> state_;
  std::vector<std::size_t> configuration_columns_;
  std::vector<std::size_t> metric_columns_;
  std::vector<Extreme> running_extremes_;  // parallel to metric_columns_
  std::vector<bool> extreme_seen_;
  long error_column_ = -1;
  long token_column_ = -1;
  long completion_column_ = -1;
  long planned_column_ = -1;
  FigureIndex* figures_;
  std::uint32_t figure_file_;
  std::mt19937_64 sampler_{20251002};
};

}  // namespace chimera::ingest
