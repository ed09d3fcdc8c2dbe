#include "chimera/ingest/figure_index.hpp"

#include <algorithm>
#include <cmath>

namespace chimera::ingest {

FigureIndex::FigureIndex(std::size_t max_total, std::size_t max_per_file)
    : max_total_(max_total), max_per_file_(max_per_file) {
  intern("");
}

std::uint32_t FigureIndex::add_file(const std::string& root, const std::string& file) {
  files_.emplace_back(root, file);
  per_file_count_.push_back(0);
  const auto id = static_cast<std::uint32_t>(files_.size() - 1);
  file_ids_.emplace(root + '\x1f' + file, id);
  return id;
}

std::uint32_t FigureIndex::intern(std::string_view text) {
  auto it = string_ids_.find(std::string(text));
  if (it != string_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(strings_.size());
  strings_.emplace_back(text);
  string_ids_.emplace(std::string(text), id);
  return id;
}

bool FigureIndex::admit(std::uint32_t file) {
  if (entries_.size() >= max_total_ || file >= per_file_count_.size() ||
      per_file_count_[file] >= max_per_file_) {
    ++dropped_;
    return false;
  }
  ++per_file_count_[file];
  sorted_ = false;
  return true;
}

void FigureIndex::add_cell(double value, std::uint32_t file, std::size_t row,
                           std::string_view column, std::string_view json_path, std::size_t line) {
  if (!std::isfinite(value) || !admit(file)) return;
  entries_.push_back(Entry{value, file, static_cast<std::uint32_t>(row),
                           static_cast<std::uint32_t>(line), intern(column), intern(json_path),
                           Kind::kCell});
}

void FigureIndex::add_leaf(double value, std::uint32_t file, std::string_view json_path) {
  if (!std::isfinite(value) || !admit(file)) return;
  entries_.push_back(Entry{value, file, 0, 0, 0, intern(json_path), Kind::kLeaf});
}

void FigureIndex::add_fact_figure(double value, const Provenance& source) {
  if (!std::isfinite(value)) return;
  // Facts are few and are what a summary quotes, so they bypass the per-file cap.
  auto it = file_ids_.find(source.root + '\x1f' + source.file);
  const std::uint32_t file =
      it == file_ids_.end() ? add_file(source.root, source.file) : it->second;
  sorted_ = false;
  entries_.push_back(Entry{value, file, static_cast<std::uint32_t>(source.row),
                           static_cast<std::uint32_t>(source.line), intern(source.column),
                           intern(source.json_path), Kind::kFact});
}

void FigureIndex::seal() {
  if (sorted_) return;
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.value < b.value; });
  sorted_ = true;
}

FigureMatch FigureIndex::materialise(const Entry& entry) const {
  FigureMatch match;
  match.value = entry.value;
  match.from_fact = entry.kind == Kind::kFact;
  const auto& [root, file] = files_[entry.file];
  match.source.root = root;
  match.source.file = file;
  match.source.row = entry.row;
  match.source.line = entry.line;
  match.source.column = strings_[entry.column];
  match.source.json_path = strings_[entry.path];
  return match;
}

std::vector<FigureMatch> FigureIndex::find(double value, double rel_tol, std::size_t limit) const {
  std::vector<FigureMatch> out;
  if (!std::isfinite(value) || !sorted_) return out;
  const double slack = std::abs(value) * std::max(rel_tol, 0.0);
  const double lo = value - slack;
  const double hi = value + slack;
  auto first = std::lower_bound(entries_.begin(), entries_.end(), lo,
                                [](const Entry& e, double v) { return e.value < v; });
  auto last = std::upper_bound(entries_.begin(), entries_.end(), hi,
                               [](double v, const Entry& e) { return v < e.value; });
  std::vector<const Entry*> hits;
  for (auto it = first; it != last; ++it) hits.push_back(&*it);
  std::stable_sort(hits.begin(), hits.end(), [value](const Entry* a, const Entry* b) {
    return std::abs(a->value - value) < std::abs(b->value - value);
  });
  for (const Entry* hit : hits) {
    if (out.size() >= limit) break;
    out.push_back(materialise(*hit));
  }
  return out;
}

}  // namespace chimera::ingest
