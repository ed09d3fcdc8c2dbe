#include "chimera/ingest/figure_index.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "chimera/ingest/metric_names.hpp"

namespace chimera::ingest {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_number_text(std::string_view s) {
  if (s.empty()) return false;
  return s.find_first_not_of("0123456789.-+eE") == std::string_view::npos;
}

}  // namespace

std::vector<std::string> entities_of_json_path(std::string_view path) {
  static constexpr std::array<std::string_view, 16> kContainers = {
      "results", "result",  "summary", "metrics", "data",    "stats",   "runs",   "items",
      "models",  "configs", "entries", "records", "details", "reports", "agents", "benchmarks"};
  std::vector<std::string> keys;
  std::size_t i = path.starts_with('$') ? 1 : 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      const std::size_t end = path.find_first_of(".[", i + 1);
      keys.emplace_back(path.substr(i + 1, end == std::string_view::npos ? end : end - i - 1));
      i = end == std::string_view::npos ? path.size() : end;
    } else if (path.substr(i).starts_with("[\"")) {
      std::string key;
      std::size_t k = i + 2;
      for (; k < path.size() && path[k] != '"'; ++k) {
        if (path[k] == '\\' && k + 1 < path.size()) ++k;
        key += path[k];
      }
      keys.push_back(std::move(key));
      i = k + 2;
    } else {
      const std::size_t end = path.find(']', i);
      i = end == std::string_view::npos ? path.size() : end + 1;  // an index
    }
  }
  if (!keys.empty()) keys.pop_back();  // the figure's own name
  std::vector<std::string> out;
  for (auto& key : keys) {
    const std::string l = lower(key);
    if (key.size() < 2 || is_number_text(key) || classify_metric(key).is_metric ||
        std::find(kContainers.begin(), kContainers.end(), l) != kContainers.end()) {
      continue;
    }
    out.push_back(std::move(key));
  }
  return out;
}

FigureIndex::FigureIndex(std::size_t max_total, std::size_t max_per_file)
    : max_total_(max_total), max_per_file_(max_per_file) {
  intern("");
  entities_.emplace_back();
}

std::uint32_t FigureIndex::intern_entity(const std::vector<std::string>& names) {
  std::vector<std::uint32_t> ids;
  std::string key;
  for (const auto& name : names) {
    if (name.size() < 2 || is_number_text(name)) continue;
    ids.push_back(intern(name));
    key += name + '\x1f';
  }
  if (ids.empty()) return 0;
  auto it = entity_ids_.find(key);
  if (it != entity_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(entities_.size());
  entities_.push_back(std::move(ids));
  entity_ids_.emplace(std::move(key), id);
  return id;
}

void FigureIndex::set_row_entity(std::uint32_t file, std::size_t row,
                                 const std::vector<std::string>& names) {
  // Rows past the file's cap add no cells; remembering them would grow without bound.
  if (file >= per_file_count_.size() || per_file_count_[file] >= max_per_file_) return;
  const std::uint32_t id = intern_entity(names);
  if (id != 0) row_entities_[(std::uint64_t{file} << 32) | static_cast<std::uint32_t>(row)] = id;
}

std::uint32_t FigureIndex::row_entity(std::uint32_t file, std::size_t row) const {
  if (row_entities_.empty()) return 0;
  auto it = row_entities_.find((std::uint64_t{file} << 32) | static_cast<std::uint32_t>(row));
  return it == row_entities_.end() ? 0 : it->second;
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
                           row_entity(file, row), Kind::kCell});
}

void FigureIndex::add_leaf(double value, std::uint32_t file, std::string_view json_path) {
  if (!std::isfinite(value) || !admit(file)) return;
  entries_.push_back(Entry{value, file, 0, 0, 0, intern(json_path),
                           intern_entity(entities_of_json_path(json_path)), Kind::kLeaf});
}

void FigureIndex::add_fact_figure(double value, const Provenance& source,
                                  std::string_view statistic) {
  if (!std::isfinite(value)) return;
  // Facts are few and are what a summary quotes, so they bypass the per-file cap.
  auto it = file_ids_.find(source.root + '\x1f' + source.file);
  const std::uint32_t file =
      it == file_ids_.end() ? add_file(source.root, source.file) : it->second;
  sorted_ = false;
  std::uint32_t entity = source.row > 0 ? row_entity(file, source.row) : 0;
  if (entity == 0 && !source.json_path.empty() && source.column.empty()) {
    entity = intern_entity(entities_of_json_path(source.json_path));
  }
  std::uint8_t code = 0;
  for (std::uint8_t i = 1; i < std::size(kFactStatistics); ++i) {
    if (kFactStatistics[i] == statistic) code = i;
  }
  entries_.push_back(Entry{value, file, static_cast<std::uint32_t>(source.row),
                           static_cast<std::uint32_t>(source.line), intern(source.column),
                           intern(source.json_path), entity, Kind::kFact, code});
}

void FigureIndex::seal() {
  if (sorted_) return;
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.value < b.value; });
  sorted_ = true;
  by_name_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    for (std::uint32_t name : entities_[entries_[i].entity]) {
      by_name_[lower(strings_[name])].push_back(static_cast<std::uint32_t>(i));
    }
  }
}

std::vector<FigureMatch> FigureIndex::about(std::string_view entity, std::size_t limit) const {
  std::vector<FigureMatch> out;
  if (!sorted_) return out;
  auto it = by_name_.find(lower(entity));
  if (it == by_name_.end()) return out;
  for (std::uint32_t i : it->second) {
    if (out.size() >= limit) break;
    out.push_back(materialise(entries_[i]));
  }
  return out;
}

std::vector<std::string> FigureIndex::entity_names() const {
  std::vector<std::string> out;
  out.reserve(by_name_.size());
  std::vector<bool> seen(strings_.size(), false);
  for (const auto& names : entities_) {
    for (std::uint32_t name : names) {
      if (!seen[name]) out.push_back(strings_[name]);
      seen[name] = true;
    }
  }
  return out;
}

FigureMatch FigureIndex::materialise(const Entry& entry) const {
  FigureMatch match;
  match.value = entry.value;
  match.from_fact = entry.kind == Kind::kFact;
  match.statistic = std::string(kFactStatistics[entry.statistic]);
  const auto& [root, file] = files_[entry.file];
  match.source.root = root;
  match.source.file = file;
  match.source.row = entry.row;
  match.source.line = entry.line;
  match.source.column = strings_[entry.column];
  match.source.json_path = strings_[entry.path];
  for (std::uint32_t name : entities_[entry.entity]) match.entities.push_back(strings_[name]);
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
