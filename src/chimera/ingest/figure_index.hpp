#pragma once
// Every number the analysis saw or stated, with where it came from and what it
// is about (its row's model and configuration label, its JSON parent keys),
// searchable by value and by entity. Used to check that a figure in generated text exists in the
// data. Memory is bounded: at most `max_total` figures overall and `max_per_file` from any one
// file; what did not fit is counted in dropped().

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chimera/ingest/provenance.hpp"

namespace chimera::ingest {

struct FigureMatch {
  double value = 0;
  Provenance source;
  bool from_fact = false;  // stated in a fact (rounded or derived) rather than a raw cell or leaf
  // For a fact's figure, the statistic it is of its column: "mean", "median",
  // "max", "min" (a column summary, or the best/worst row), "count"; else "".
  std::string statistic;
  std::vector<std::string> entities;  // what it is about: "gemma3", "g60_c2048_t0.8"
};

// The entity names a JSON path's parent keys give: "$.models.gemma3.ttft_ms" ->
// {"gemma3"}; array indexes, metric names and container words ("results",
// "summary", "models") are not entities.
std::vector<std::string> entities_of_json_path(std::string_view json_path);

// The statistics a fact's figure may be of its column; index 0 = not said.
inline constexpr std::string_view kFactStatistics[] = {"", "mean", "median", "max", "min", "count"};

class FigureIndex {
 public:
  explicit FigureIndex(std::size_t max_total = 1'000'000, std::size_t max_per_file = 20'000);

  std::uint32_t add_file(const std::string& root, const std::string& file);
  // A table cell (json_path is the table's array path for JSON tables, else empty).
  void add_cell(double value, std::uint32_t file, std::size_t row, std::string_view column,
                std::string_view json_path, std::size_t line);
  void add_leaf(double value, std::uint32_t file, std::string_view json_path);
  // `statistic`: one of kFactStatistics ("" when the fact does not say).
  void add_fact_figure(double value, const Provenance& source, std::string_view statistic = {});
  // The names the row `row` of `file` is about (its label columns' text values);
  // call before the row's add_cell()s. Numbers among `names` are dropped.
  void set_row_entity(std::uint32_t file, std::size_t row, const std::vector<std::string>& names);

  // Sorts the index; call after the last add and before find().
  void seal();
  // Figures v with |v - value| <= rel_tol * |value| (exact match for 0), closest first.
  std::vector<FigureMatch> find(double value, double rel_tol, std::size_t limit = 16) const;
  // Figures about `entity` (case-insensitive), in index order; after seal().
  std::vector<FigureMatch> about(std::string_view entity, std::size_t limit = 256) const;
  // Every distinct entity name.
  std::vector<std::string> entity_names() const;

  std::size_t size() const { return entries_.size(); }
  std::size_t dropped() const { return dropped_; }
  std::size_t max_total() const { return max_total_; }
  std::size_t max_per_file() const { return max_per_file_; }

 private:
  enum class Kind : std::uint8_t { kCell, kLeaf, kFact };
  struct Entry {
    double value;
    std::uint32_t file;
    std::uint32_t row;
    std::uint32_t line;
    std::uint32_t column;  // interned
    std::uint32_t path;    // interned
    std::uint32_t entity;  // index into entities_; 0 = about nothing named
    Kind kind;
    std::uint8_t statistic = 0;  // index into kFactStatistics
  };
  std::uint32_t intern(std::string_view text);
  std::uint32_t intern_entity(const std::vector<std::string>& names);
  std::uint32_t row_entity(std::uint32_t file, std::size_t row) const;
  bool admit(std::uint32_t file);
  FigureMatch materialise(const Entry& entry) const;

  std::size_t max_total_;
  std::size_t max_per_file_;
  std::size_t dropped_ = 0;
  bool sorted_ = true;
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, std::string>> files_;  // root, file
  std::unordered_map<std::string, std::uint32_t> file_ids_;
  std::vector<std::uint32_t> per_file_count_;
  std::vector<std::string> strings_;
  std::unordered_map<std::string, std::uint32_t> string_ids_;
  std::vector<std::vector<std::uint32_t>> entities_;  // interned names per entity
  std::unordered_map<std::string, std::uint32_t> entity_ids_;
  std::unordered_map<std::uint64_t, std::uint32_t> row_entities_;        // file << 32 | row
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_name_;  // lowercase -> entries
};

}  // namespace chimera::ingest
