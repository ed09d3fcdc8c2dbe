#pragma once
// Analysis of one JSON document or JSON Lines file: numeric leaves by
// flattened path, arrays of records as tables, null metrics, runs that
// completed nothing, and the NaN/Infinity tokens real benchmark dumps contain
// (not JSON, so they are found, reported with their location, and read as null).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/ingest/metric_names.hpp"
#include "chimera/ingest/provenance.hpp"
#include "chimera/ingest/table.hpp"

namespace chimera::ingest {

class FigureIndex;

struct NonFiniteToken {
  std::string token;       // "NaN", "Infinity", "-Infinity"
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in bytes
  std::uint64_t offset = 0;
  std::string json_path;
};

struct JsonLeaf {
  std::string path;
  double value = 0;
  MetricInfo metric;
};

struct JsonZeroCompletion {
  std::string path;  // of the "completed" key
  double planned = -1;
  std::string label;  // a sibling "model"/"name"/"config" value, when there is one
};

struct JsonSyntaxError {
  std::string reason;
  std::size_t line = 0;
  std::size_t column = 0;
  std::uint64_t offset = 0;
};

struct JsonDocument {
  bool parsed = false;
  JsonSyntaxError error;      // when !parsed (JSONL: the first bad line)
  std::size_t bad_lines = 0;  // JSONL only
  std::size_t records = 0;    // JSONL only: lines parsed
  std::vector<NonFiniteToken> non_finite;
  std::size_t numeric_leaves = 0;
  std::vector<JsonLeaf> metric_leaves;    // outside record tables, bounded
  std::vector<std::string> null_metrics;  // paths of metric keys whose value is null
  std::vector<JsonZeroCompletion> zero_completed;
  std::vector<TableAnalysis> tables;
};

struct JsonLimits {
  std::size_t max_metric_leaves = 2'000;
  std::size_t max_tables = 64;
};

// A whole JSON document held in memory.
JsonDocument analyse_json(std::string_view text, const Provenance& file, FigureIndex* figures,
                          std::uint32_t figure_file, const JsonLimits& limits = {});

// JSON Lines fed in chunks: each line is one record of a "jsonl" table.
class JsonLinesReader {
 public:
  JsonLinesReader(const Provenance& file, FigureIndex* figures, std::uint32_t figure_file,
                  std::size_t max_line_bytes = 16u << 20);
  ~JsonLinesReader();
  JsonLinesReader(const JsonLinesReader&) = delete;
  JsonLinesReader& operator=(const JsonLinesReader&) = delete;

  void feed(std::string_view chunk);
  JsonDocument finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chimera::ingest
