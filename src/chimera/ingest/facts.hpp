#pragma once
// Turns what the readers found into gaps and ranked facts. Scores say how
// much a reader (or an agent with a small context) gains from a fact: runs
// that completed nothing and best configurations first, raw JSON leaves last.

#include "chimera/ingest/analysis.hpp"

namespace chimera::ingest {

class FactBuilder {
 public:
  explicit FactBuilder(Analysis& analysis) : a_(analysis) {}

  void absent_root(const RootStatus& root);
  void empty_file(const Provenance& source);
  void parse_failure(const FileIssue& issue);
  void table(const TableAnalysis& table);
  void json_document(const Provenance& source, const JsonDocument& doc);
  void outline(const Provenance& source, const MarkdownDocument& doc);

  // Adds the inventory fact, ranks and caps the facts, gives them ids, and
  // enters their numbers in the figure index.
  static void finish(Analysis& analysis);

 private:
  void add(Fact fact);
  void add_gap(Gap gap, double score, std::vector<double> values = {});
  // The parts of table(), in the order their facts are added.
  void zero_completed(const TableAnalysis& t);
  void error_rows(const TableAnalysis& t);
  void metric_column(const TableAnalysis& t, const ColumnAnalysis& column);
  void extremes(const TableAnalysis& t);

  Analysis& a_;
};

// "config g60_c2048_t0.8 (num_gpu=60, num_ctx=2048)" or "row 4" when nothing names the row.
std::string describe_row(const RowRef& row);

}  // namespace chimera::ingest
