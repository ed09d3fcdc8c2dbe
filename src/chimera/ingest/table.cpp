#include "chimera/ingest/table.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "chimera/ingest/figure_index.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::ingest {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Called for every cell, so it rejects ordinary values by their first byte
// before comparing words.
bool is_missing_token(std::string_view t) {
  if (t.size() > 9) return false;
  const char first = t[0];
  if (first != 'n' && first != 'N' && first != 'i' && first != 'I' && first != '-' && first != '+')
    return false;
  for (std::string_view token : {"nan", "-nan", "null", "none", "n/a", "na", "inf", "-inf", "+inf",
                                 "infinity", "-infinity"}) {
    if (equals_ignoring_case(t, token)) return true;
  }
  return false;
}

std::string number_text(double value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

const char* to_string(ColumnType type) {
  switch (type) {
    case ColumnType::kEmpty:
      return "empty";
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kNumber:
      return "number";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kText:
      return "text";
    case ColumnType::kMixed:
      return "mixed";
  }
  return "mixed";
}

Cell Cell::from_text(std::string_view raw) {
  Cell cell;
  const std::string_view t = trim(raw);
  cell.text = t;
  if (t.empty()) return cell;
  if (is_missing_token(t)) {
    cell.kind = Kind::kNull;
    return cell;
  }
  if (t == "true" || t == "false" || t == "True" || t == "False" || t == "TRUE" || t == "FALSE") {
    cell.kind = Kind::kBool;
    cell.number = (t[0] == 't' || t[0] == 'T') ? 1 : 0;
    return cell;
  }
  std::string_view digits = t;
  if (digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc() && ptr == digits.data() + digits.size() && std::isfinite(value)) {
    cell.kind = Kind::kNumber;
    cell.number = value;
    return cell;
  }
  cell.kind = Kind::kText;
  return cell;
}

TableAccumulator::TableAccumulator(std::vector<std::string> header, Provenance source,
                                   std::string kind, FigureIndex* figures,
                                   std::uint32_t figure_file)
    : figures_(figures), figure_file_(figure_file) {
  table_.source = std::move(source);
  table_.kind = std::move(kind);
  for (const auto& name : header) add_column(name);
}

long TableAccumulator::column_index(const std::string& name) const {
  for (std::size_t i = 0; i < table_.columns.size(); ++i) {
    if (table_.columns[i].name == name) return static_cast<long>(i);
  }
  return -1;
}

long TableAccumulator::add_column(const std::string& name) {
  if (table_.columns.size() >= kMaxColumns) {
    ++table_.dropped_columns;
    return -1;
  }
  const std::size_t i = table_.columns.size();
  ColumnAnalysis column;
  column.name = name.empty() ? "column_" + std::to_string(i + 1) : name;
  column.empty = table_.rows;
  column.metric = classify_metric(column.name);
  column.is_configuration = !column.metric.is_metric && is_configuration_name(column.name);
  if (column.is_configuration) configuration_columns_.push_back(i);
  if (column.metric.is_metric && column.metric.direction != Direction::kNone) {
    metric_columns_.push_back(i);
    Extreme extreme;
    extreme.column = column.name;
    extreme.metric = column.metric;
    running_extremes_.push_back(std::move(extreme));
    extreme_seen_.push_back(false);
  }
  if (error_column_ < 0 && is_error_column_name(column.name)) error_column_ = static_cast<long>(i);
  if (token_column_ < 0 && is_token_column_name(column.name)) token_column_ = static_cast<long>(i);
  if (completion_column_ < 0 && is_completion_count_name(column.name))
    completion_column_ = static_cast<long>(i);
  if (planned_column_ < 0 && is_planned_count_name(column.name))
    planned_column_ = static_cast<long>(i);
  table_.columns.push_back(std::move(column));
  state_.emplace_back();
  return static_cast<long>(i);
}

// The numeric summary: min, max, sum, and a bounded sample for the median.
// Inlined into observe(), which runs once per cell.
[[gnu::always_inline]] inline void TableAccumulator::observe_number(ColumnAnalysis& column,
                                                                    ColumnState& state,
                                                                    const Cell& cell,
                                                                    std::size_t row) {
  const double v = cell.number;
  ++state.numbers;
  if (v == std::floor(v) && cell.text.find_first_of(".eE") == std::string_view::npos)
    ++state.integers;
  NumericSummary& s = column.numeric;
  if (s.count == 0) {
    s.min = s.max = v;
  } else {
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  ++s.count;
  state.sum += v;
  if (state.kept.size() < kMaxKeptValues) {
    state.kept.push_back(v);
  } else {
    // Reservoir sampling keeps a uniform sample for the median.
    std::uniform_int_distribution<std::size_t> pick(0, s.count - 1);
    const std::size_t slot = pick(sampler_);
    if (slot < kMaxKeptValues) state.kept[slot] = v;
    s.p50_exact = false;
  }
  if (figures_ != nullptr) {
    figures_->add_cell(v, figure_file_, row, column.name, table_.source.json_path, 0);
  }
}

// Distinct values are counted up to ColumnAnalysis::kMaxDistinct.
[[gnu::always_inline]] inline void TableAccumulator::count_distinct(ColumnState& state,
                                                                    std::string_view repr) {
  if (state.distinct_overflow) return;
  if (std::find(state.distinct.begin(), state.distinct.end(), repr) == state.distinct.end()) {
    if (state.distinct.size() >= ColumnAnalysis::kMaxDistinct) {
      state.distinct_overflow = true;
    } else {
      state.distinct.emplace_back(repr);
    }
  }
}

void TableAccumulator::observe(std::size_t index, const Cell& cell, std::size_t row) {
  ColumnAnalysis& column = table_.columns[index];
  ColumnState& state = state_[index];
  std::string_view repr;
  std::string number_repr;
  switch (cell.kind) {
    case Cell::Kind::kAbsent:
      ++column.empty;
      return;
    case Cell::Kind::kNull:
      if (column.missing++ == 0) column.first_missing_row = row;
      return;
    case Cell::Kind::kBool:
      ++state.booleans;
      repr = cell.number != 0 ? "true" : "false";
      break;
    case Cell::Kind::kText:
      ++column.text;
      repr = util::utf8_prefix(cell.text, 200);
      break;
    case Cell::Kind::kNumber: {
      observe_number(column, state, cell, row);
      if (state.distinct_overflow) return;
      if (cell.text.empty()) {
        number_repr = number_text(cell.number);
        repr = number_repr;
      } else {
        repr = cell.text;
      }
      break;
    }
  }
  count_distinct(state, repr);
}

Identity TableAccumulator::identity_of(const std::vector<Cell>& cells) const {
  Identity identity;
  for (std::size_t index : configuration_columns_) {
    if (index >= cells.size()) continue;
    const Cell& cell = cells[index];
    std::string value = cell.text.empty() && cell.kind == Cell::Kind::kNumber
                            ? number_text(cell.number)
                            : std::string(util::utf8_prefix(cell.text, 120));
    identity.emplace_back(table_.columns[index].name, std::move(value));
  }
  return identity;
}

bool TableAccumulator::error_cell_set(const Cell& error) const {
  // A numeric error column is a count: 0 means no error.
  if (error.kind == Cell::Kind::kNumber) return error.number != 0;
  if (error.kind != Cell::Kind::kText || error.text.empty()) return false;
  std::string lower;
  for (char c : error.text.substr(0, 8))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower != "none" && lower != "null" && lower != "false" && lower != "0" && lower != "n/a";
}

bool TableAccumulator::row_failed(const std::vector<Cell>& cells) const {
  auto at = [&cells](long index) -> const Cell* {
    return index >= 0 && static_cast<std::size_t>(index) < cells.size()
               ? &cells[static_cast<std::size_t>(index)]
               : nullptr;
  };
  if (const Cell* error = at(error_column_); error && error_cell_set(*error)) return true;
  if (const Cell* tokens = at(token_column_);
      tokens && tokens->kind == Cell::Kind::kNumber && tokens->number == 0) {
    return true;
  }
  if (const Cell* done = at(completion_column_);
      done && done->kind == Cell::Kind::kNumber && done->number == 0) {
    return true;
  }
  return false;
}

void TableAccumulator::track_extremes(const std::vector<Cell>& cells, std::size_t line) {
  if (row_failed(cells)) return;
  for (std::size_t m = 0; m < metric_columns_.size(); ++m) {
    const std::size_t index = metric_columns_[m];
    if (index >= cells.size() || cells[index].kind != Cell::Kind::kNumber) continue;
    const double v = cells[index].number;
    Extreme& extreme = running_extremes_[m];
    const bool higher = extreme.metric.direction == Direction::kHigherIsBetter;
    auto capture = [&](RowRef& ref) {
      ref.row = table_.rows;
      ref.line = line;
      ref.value = v;
      ref.identity = identity_of(cells);
    };
    if (!extreme_seen_[m]) {
      extreme_seen_[m] = true;
      capture(extreme.best);
      capture(extreme.worst);
      continue;
    }
    if (higher ? v > extreme.best.value : v < extreme.best.value) capture(extreme.best);
    if (higher ? v < extreme.worst.value : v > extreme.worst.value) capture(extreme.worst);
  }
}

void TableAccumulator::track_errors(const std::vector<Cell>& cells, std::size_t line) {
  if (error_column_ >= 0 && static_cast<std::size_t>(error_column_) < cells.size()) {
    const Cell& error = cells[static_cast<std::size_t>(error_column_)];
    const bool has_error = error_cell_set(error);
    if (has_error) {
      ErrorRows& errors = table_.errors;
      errors.column = table_.columns[static_cast<std::size_t>(error_column_)].name;
      if (errors.count++ == 0) {
        errors.first = RowRef{table_.rows, line, 0, identity_of(cells)};
        errors.first_message = std::string(util::utf8_prefix(error.text, 200));
      }
      bool no_tokens = true;
      if (token_column_ >= 0 && static_cast<std::size_t>(token_column_) < cells.size()) {
        const Cell& tokens = cells[static_cast<std::size_t>(token_column_)];
        no_tokens = tokens.kind != Cell::Kind::kNumber || tokens.number == 0;
      }
      if (no_tokens) ++errors.without_tokens;
    }
  }
  if (completion_column_ >= 0 && static_cast<std::size_t>(completion_column_) < cells.size()) {
    const Cell& completed = cells[static_cast<std::size_t>(completion_column_)];
    if (completed.kind == Cell::Kind::kNumber && completed.number == 0) {
      ++table_.zero_completed_total;
      if (table_.zero_completed.size() < kMaxZeroCompletions) {
        ZeroCompletion zero;
        zero.row = RowRef{table_.rows, line, 0, identity_of(cells)};
        zero.column = table_.columns[static_cast<std::size_t>(completion_column_)].name;
        if (planned_column_ >= 0 && static_cast<std::size_t>(planned_column_) < cells.size() &&
            cells[static_cast<std::size_t>(planned_column_)].kind == Cell::Kind::kNumber) {
          zero.planned = cells[static_cast<std::size_t>(planned_column_)].number;
          zero.planned_column = table_.columns[static_cast<std::size_t>(planned_column_)].name;
        }
        table_.zero_completed.push_back(std::move(zero));
      }
    }
  }
}

void TableAccumulator::add_row(const std::vector<Cell>& cells, std::size_t line) {
  ++table_.rows;
  const std::size_t expected = table_.columns.size() + table_.dropped_columns;
  if (cells.size() != expected && table_.kind != "json_records" && table_.kind != "jsonl") {
    if (table_.ragged_rows++ == 0) {
      table_.first_ragged_line = line;
      table_.first_ragged_row = table_.rows;
    }
  }
  const std::size_t n = std::min(cells.size(), table_.columns.size());
  if (figures_ != nullptr && !configuration_columns_.empty()) {
    // What the row's figures are about: its model, configuration label ...
    std::vector<std::string> names;
    for (auto& [column, value] : identity_of(cells)) names.push_back(std::move(value));
    figures_->set_row_entity(figure_file_, table_.rows, names);
  }
  for (std::size_t i = 0; i < n; ++i) observe(i, cells[i], table_.rows);
  for (std::size_t i = n; i < table_.columns.size(); ++i) ++table_.columns[i].empty;
  track_extremes(cells, line);
  track_errors(cells, line);
}

namespace {

// The median of the kept values: the mean of the two middle ones for an even count.
double median_of(std::vector<double>& kept) {
  auto middle = kept.begin() + static_cast<long>(kept.size() / 2);
  std::nth_element(kept.begin(), middle, kept.end());
  double p50 = *middle;
  if (kept.size() % 2 == 0) p50 = (p50 + *std::max_element(kept.begin(), middle)) / 2;
  return p50;
}

// One kind of value makes the column's type; several make it mixed.
ColumnType column_type(std::size_t numbers, std::size_t integers, std::size_t booleans,
                       std::size_t text) {
  const std::size_t kinds = (numbers > 0) + (booleans > 0) + (text > 0);
  if (kinds == 0) return ColumnType::kEmpty;
  if (kinds > 1) return ColumnType::kMixed;
  if (numbers > 0) return integers == numbers ? ColumnType::kInteger : ColumnType::kNumber;
  return booleans > 0 ? ColumnType::kBoolean : ColumnType::kText;
}

// Name a row by the configuration columns that vary; constant ones say nothing.
void keep_varying(Identity& identity, const std::vector<ColumnAnalysis>& columns) {
  Identity varying;
  for (auto& [name, value] : identity) {
    for (const auto& column : columns) {
      if (column.name == name && column.distinct >= 2) varying.emplace_back(name, value);
    }
  }
  if (varying.empty()) {
    // Nothing varies (a single run): its model or config name still says whose it is.
    for (auto& [name, value] : identity) {
      const std::string n = lowercase(name);
      if (n == "model" || n == "model_name" || n == "config" || n == "config_name")
        varying.emplace_back(name, value);
    }
  }
  if (!varying.empty()) identity = std::move(varying);
}

}  // namespace

void TableAccumulator::finish_column(std::size_t i) {
  ColumnAnalysis& column = table_.columns[i];
  ColumnState& state = state_[i];
  column.distinct = state.distinct.size();
  for (std::size_t e = 0; e < std::min<std::size_t>(3, state.distinct.size()); ++e)
    column.examples.push_back(state.distinct[e]);
  if (column.numeric.count > 0) {
    column.numeric.mean = state.sum / static_cast<double>(column.numeric.count);
    column.numeric.p50 = median_of(state.kept);
  }
  column.type = column_type(state.numbers, state.integers, state.booleans, column.text);
  state = ColumnState{};
}

// Every metric with two or more values has a best and a worst configuration.
void TableAccumulator::name_extremes() {
  for (std::size_t m = 0; m < metric_columns_.size(); ++m) {
    // Every row failed: there is no best or worst configuration to name.
    if (table_.columns[metric_columns_[m]].numeric.count < 2 || !extreme_seen_[m]) continue;
    Extreme extreme = std::move(running_extremes_[m]);
    keep_varying(extreme.best.identity, table_.columns);
    keep_varying(extreme.worst.identity, table_.columns);
    table_.extremes.push_back(std::move(extreme));
  }
}

TableAnalysis TableAccumulator::finish() {
  bool varying_configuration = false;
  for (std::size_t i = 0; i < table_.columns.size(); ++i) {
    finish_column(i);
    const ColumnAnalysis& column = table_.columns[i];
    if (column.is_configuration && column.distinct >= 2) varying_configuration = true;
  }
  bool has_metric = false;
  for (std::size_t m = 0; m < metric_columns_.size(); ++m) {
    if (table_.columns[metric_columns_[m]].numeric.count >= 2) has_metric = true;
  }
  table_.is_sweep = table_.rows >= 2 && has_metric && varying_configuration;
  if (table_.is_sweep) name_extremes();
  keep_varying(table_.errors.first.identity, table_.columns);
  for (auto& zero : table_.zero_completed) keep_varying(zero.row.identity, table_.columns);
  return std::move(table_);
}

}  // namespace chimera::ingest
