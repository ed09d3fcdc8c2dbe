#include "chimera/ingest/json_doc.hpp"

#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "chimera/ingest/figure_index.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::ingest {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// NaN/Infinity become this JSON string, so the document parses and each
// token can still be told apart from a real null (and mapped to its path).
constexpr std::string_view kSentinelPrefix{"\0", 1};

struct Sanitized {
  std::string text;
  std::vector<NonFiniteToken> tokens;
  std::vector<std::pair<std::uint64_t, std::uint64_t>>
      growth;  // (sanitized offset, bytes added so far)
};

// Finds NaN / Infinity / -Infinity outside strings; returns nothing when there are none.
bool sanitize_non_finite(std::string_view text, Sanitized& out) {
  static constexpr std::string_view kTokens[] = {"-Infinity", "+Infinity", "Infinity", "-NaN",
                                                 "NaN"};
  bool in_string = false;
  bool escaped = false;
  std::size_t line = 1, line_start = 0, copied = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      if (c == '\n') ++line, line_start = i + 1;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if (c != 'N' && c != 'I' && c != '-' && c != '+') continue;
    for (std::string_view token : kTokens) {
      if (text.substr(i, token.size()) != token) continue;
      out.text.append(text.substr(copied, i - copied));
      out.text += "\"\\u0000";
      out.text += token;
      out.text += '"';
      out.tokens.push_back(NonFiniteToken{std::string(token), line, i - line_start + 1, i, {}});
      copied = i + token.size();
      out.growth.emplace_back(out.text.size(), out.text.size() - copied);
      i = copied - 1;
      break;
    }
  }
  if (out.tokens.empty()) return false;
  out.text.append(text.substr(copied));
  return true;
}

// A `\u0000` escape would put a raw NUL into tables and Markdown, where it ends
// C strings and breaks renderers: it is read as U+FFFD instead. Same length, so
// every offset stays the file's own. Returns false (and leaves `out` alone)
// when the text holds none.
bool replace_nul_escapes(std::string_view text, std::string& out) {
  constexpr std::string_view kNul = "\\u0000";
  std::size_t at = text.find(kNul);
  if (at == std::string_view::npos) return false;
  out.assign(text);
  for (; at != std::string_view::npos; at = text.find(kNul, at + 1)) {
    std::size_t backslashes = 0;
    while (backslashes < at && text[at - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) out.replace(at, kNul.size(), "\\uFFFD");
  }
  return true;
}

// nlohmann's SAX parser reports where a document stops being JSON; simdjson
// does not, and the position matters to the person fixing the file.
struct ErrorLocator : nlohmann::json_sax<nlohmann::json> {
  std::size_t position = 0;
  std::string message;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    position = pos;
    message = util::sanitize_utf8(ex.what());  // "last read" may cut a character
    return false;
  }
};

JsonSyntaxError locate_error(std::string_view text, const std::string& fallback_reason) {
  ErrorLocator locator;
  nlohmann::json::sax_parse(text.begin(), text.end(), &locator);
  JsonSyntaxError error;
  error.reason = locator.message.empty() ? fallback_reason : locator.message;
  // nlohmann counts the byte it failed on from 1; at end of input the error is
  // after the last byte (a truncated file ends there).
  const std::size_t position = locator.position;
  error.offset = position >= text.size() ? text.size() : (position > 0 ? position - 1 : 0);
  error.line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < error.offset && i < text.size(); ++i) {
    if (text[i] == '\n') ++error.line, line_start = i + 1;
  }
  error.column = error.offset - line_start + 1;
  return error;
}

std::uint64_t original_offset(const Sanitized& sanitized, std::uint64_t offset) {
  std::uint64_t added = 0;
  for (const auto& [at, total] : sanitized.growth) {
    if (at > offset) break;
    added = total;
  }
  return offset >= added ? offset - added : 0;
}

void append_key(std::string& path, std::string_view key) {
  bool plain = !key.empty();
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) plain = false;
  }
  if (plain) {
    path += '.';
    path += key;
  } else {
    path += "[\"";
    for (char c : key) {
      if (c == '"' || c == '\\') path += '\\';
      path += c;
    }
    path += "\"]";
  }
}

bool is_sentinel(element value) {
  std::string_view text;
  return value.type() == element_type::STRING && !value.get_string().get(text) &&
         text.substr(0, 1) == kSentinelPrefix;
}

double number_of(element value) {
  switch (value.type()) {
    case element_type::INT64:
      return static_cast<double>(int64_t(value));
    case element_type::UINT64:
      return static_cast<double>(uint64_t(value));
    default:
      return double(value);
  }
}

bool is_number(element value) {
  const auto t = value.type();
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

class Walker {
 public:
  Walker(JsonDocument& doc, const Provenance& file, FigureIndex* figures, std::uint32_t fid,
         const JsonLimits& limits)
      : doc_(doc), file_(file), figures_(figures), fid_(fid), limits_(limits) {}

  void walk(element value, std::string& path, std::string_view key) {
    switch (value.type()) {
      case element_type::OBJECT:
        walk_object(value, path);
        break;
      case element_type::ARRAY:
        walk_array(value, path, key);
        break;
      case element_type::STRING:
        if (is_sentinel(value)) note_non_finite(path);
        break;
      case element_type::NULL_VALUE:
        if (!key.empty() && classify_metric(key).is_metric) doc_.null_metrics.push_back(path);
        break;
      case element_type::BOOL:
        break;
      default: {
        const double v = number_of(value);
        ++doc_.numeric_leaves;
        if (figures_ != nullptr) figures_->add_leaf(v, fid_, path);
        MetricInfo metric = classify_metric(key);
        if (metric.is_metric && doc_.metric_leaves.size() < limits_.max_metric_leaves) {
          doc_.metric_leaves.push_back(JsonLeaf{path, v, std::move(metric)});
        }
      }
    }
  }

  // Flattens one record into cells; nested objects become dotted column names.
  // `out` is reused across records: its first `used` entries are this record's,
  // and their strings keep their capacity, so a record costs no allocation.
  void flatten_record(element value, std::string& prefix, std::string& path,
                      std::vector<std::pair<std::string, Cell>>& out, std::size_t& used) {
    auto emit = [&](const Cell& cell) {
      if (used < out.size()) {
        out[used].first.assign(prefix);
        out[used].second = cell;
      } else {
        out.emplace_back(prefix, cell);
      }
      ++used;
    };
    for (auto [key, member] : simdjson::dom::object(value)) {
      const std::size_t prefix_size = prefix.size();
      const std::size_t path_size = path.size();
      if (!prefix.empty()) prefix += '.';
      prefix += key;
      append_key(path, key);
      Cell cell;
      switch (member.type()) {
        case element_type::OBJECT:
          flatten_record(member, prefix, path, out, used);
          break;
        case element_type::ARRAY:
          walk_array(member, path, key);
          break;
        case element_type::NULL_VALUE:
          cell.kind = Cell::Kind::kNull;
          emit(cell);
          break;
        case element_type::BOOL:
          cell.kind = Cell::Kind::kBool;
          cell.number = bool(member) ? 1 : 0;
          emit(cell);
          break;
        case element_type::STRING:
          if (is_sentinel(member)) {
            note_non_finite(path);
            cell.kind = Cell::Kind::kNull;
          } else {
            cell.kind = Cell::Kind::kText;
            cell.text = std::string_view(member);
          }
          emit(cell);
          break;
        default:
          cell.kind = Cell::Kind::kNumber;
          cell.number = number_of(member);
          emit(cell);
      }
      prefix.resize(prefix_size);
      path.resize(path_size);
    }
  }

 private:
  void note_non_finite(const std::string& path) {
    if (sentinel_seen_ < doc_.non_finite.size()) doc_.non_finite[sentinel_seen_].json_path = path;
    ++sentinel_seen_;
  }

  void walk_object(element value, std::string& path) {
    simdjson::dom::object object(value);
    // Siblings that say how much work was planned and whose run this is.
    double planned = -1;
    std::string label;
    for (auto [key, member] : object) {
      if (is_planned_count_name(key) && is_number(member)) planned = number_of(member);
      const std::string k = lowercase(key);
      if (label.empty() && member.type() == element_type::STRING &&
          (k == "model" || k == "name" || k == "config" || k == "config_name")) {
        label = std::string(std::string_view(member));
      }
    }
    for (auto [key, member] : object) {
      const std::size_t size = path.size();
      append_key(path, key);
      if (is_completion_count_name(key) && is_number(member) && number_of(member) == 0) {
        doc_.zero_completed.push_back(JsonZeroCompletion{path, planned, label});
      }
      walk(member, path, key);
      path.resize(size);
    }
  }

  void walk_array(element value, std::string& path, std::string_view key) {
    simdjson::dom::array array(value);
    bool all_objects = true, all_numbers = true;
    std::size_t count = 0;
    for (element item : array) {
      ++count;
      if (item.type() != element_type::OBJECT) all_objects = false;
      if (!is_number(item)) all_numbers = false;
    }
    if (count > 0 && all_objects && doc_.tables.size() < limits_.max_tables) {
      walk_records(array, path);
      return;
    }
    if (count >= 2 && all_numbers && doc_.tables.size() < limits_.max_tables) {
      Provenance source = file_;
      source.json_path = path;
      const std::string column = key.empty() ? "value" : std::string(key);
      TableAccumulator table({column}, source, "json_records", figures_, fid_);
      std::vector<Cell> cells(1);
      for (element item : array) {
        cells[0].kind = Cell::Kind::kNumber;
        cells[0].number = number_of(item);
        table.add_row(cells, 0);
      }
      doc_.numeric_leaves += count;
      doc_.tables.push_back(table.finish());
      return;
    }
    std::size_t index = 0;
    for (element item : array) {
      const std::size_t size = path.size();
      path += '[' + std::to_string(index++) + ']';
      walk(item, path, key);
      path.resize(size);
    }
  }

  void walk_records(simdjson::dom::array array, std::string& path) {
    Provenance source = file_;
    source.json_path = path;
    TableAccumulator table({}, source, "json_records", figures_, fid_);
    std::unordered_map<std::string, long> columns;
    std::vector<std::pair<std::string, Cell>> flattened;
    std::vector<Cell> cells;
    std::string prefix;
    std::size_t index = 0;
    for (element item : array) {
      const std::size_t size = path.size();
      path += '[' + std::to_string(index++) + ']';
      std::size_t used = 0;
      prefix.clear();
      flatten_record(item, prefix, path, flattened, used);
      path.resize(size);
      cells.assign(cells.size(), Cell{});
      for (std::size_t k = 0; k < used; ++k) {
        const auto& [name, cell] = flattened[k];
        auto it = columns.find(name);
        if (it == columns.end()) it = columns.emplace(name, table.add_column(name)).first;
        if (it->second < 0) continue;
        const auto column = static_cast<std::size_t>(it->second);
        if (cells.size() <= column) cells.resize(column + 1);
        cells[column] = cell;
        if (cell.kind == Cell::Kind::kNumber) ++doc_.numeric_leaves;
      }
      table.add_row(cells, 0);
    }
    doc_.tables.push_back(table.finish());
  }

  JsonDocument& doc_;
  const Provenance& file_;
  FigureIndex* figures_;
  std::uint32_t fid_;
  const JsonLimits& limits_;
  std::size_t sentinel_seen_ = 0;
};

}  // namespace

JsonDocument analyse_json(std::string_view text, const Provenance& file, FigureIndex* figures,
                          std::uint32_t figure_file, const JsonLimits& limits) {
  JsonDocument doc;
  std::string without_nul;
  if (replace_nul_escapes(text, without_nul)) text = without_nul;
  // A parser keeps its buffers between documents; reusing one saves an
  // allocation of several times the document size per small file. Large
  // documents get their own, so that memory is returned afterwards.
  thread_local simdjson::dom::parser shared_parser;
  simdjson::dom::parser own_parser;
  constexpr std::size_t kReuseBelow = 16u << 20;
  simdjson::dom::parser& parser = text.size() < kReuseBelow ? shared_parser : own_parser;
  element root;
  auto error = parser.parse(text.data(), text.size(), true).get(root);
  Sanitized sanitized;
  if (error && sanitize_non_finite(text, sanitized)) {
    doc.non_finite = std::move(sanitized.tokens);
    error = parser.parse(sanitized.text.data(), sanitized.text.size(), true).get(root);
    if (error) {
      doc.error = locate_error(sanitized.text, simdjson::error_message(error));
      doc.error.offset = original_offset(sanitized, doc.error.offset);
      return doc;
    }
  } else if (error) {
    doc.error = locate_error(text, simdjson::error_message(error));
    return doc;
  }
  doc.parsed = true;
  Walker walker(doc, file, figures, figure_file, limits);
  std::string path = "$";
  walker.walk(root, path, "");
  return doc;
}

struct JsonLinesReader::Impl {
  Provenance file;
  FigureIndex* figures;
  std::uint32_t fid;
  std::size_t max_line_bytes;
  JsonLimits limits;
  JsonDocument doc;
  simdjson::dom::parser parser;
  TableAccumulator table;
  std::unordered_map<std::string, long> columns;
  std::vector<std::pair<std::string, Cell>> flattened;
  std::string carry;
  bool carry_too_long = false;
  std::size_t line = 0;

  Impl(const Provenance& f, FigureIndex* fig, std::uint32_t id, std::size_t max_line)
      : file(f), figures(fig), fid(id), max_line_bytes(max_line), table({}, f, "jsonl", fig, id) {}

  void bad_line(const JsonSyntaxError& error) {
    if (doc.bad_lines++ == 0) doc.error = error;
  }

  void take_line(std::string_view text) {
    ++line;
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.empty()) return;
    std::string without_nul;
    if (replace_nul_escapes(text, without_nul)) text = without_nul;
    element root;
    auto error = parser.parse(text.data(), text.size(), true).get(root);
    Sanitized sanitized;
    std::size_t non_finite_before = doc.non_finite.size();
    if (error && sanitize_non_finite(text, sanitized)) {
      for (auto& token : sanitized.tokens) {
        token.line = line;
        doc.non_finite.push_back(std::move(token));
      }
      error = parser.parse(sanitized.text.data(), sanitized.text.size(), true).get(root);
    }
    if (error) {
      JsonSyntaxError located = locate_error(text, simdjson::error_message(error));
      located.line = line;
      bad_line(located);
      return;
    }
    ++doc.records;
    if (root.type() != element_type::OBJECT) return;
    JsonDocument scratch;
    scratch.non_finite.assign(doc.non_finite.begin() + static_cast<long>(non_finite_before),
                              doc.non_finite.end());
    Walker walker(scratch, file, figures, fid, limits);
    std::size_t used = 0;
    std::string prefix;
    std::string path = "$";
    walker.flatten_record(root, prefix, path, flattened, used);
    for (std::size_t i = 0; i < scratch.non_finite.size(); ++i) {
      doc.non_finite[non_finite_before + i].json_path = scratch.non_finite[i].json_path;
    }
    std::vector<Cell> cells;
    for (std::size_t k = 0; k < used; ++k) {
      const auto& [name, cell] = flattened[k];
      auto it = columns.find(name);
      if (it == columns.end()) it = columns.emplace(name, table.add_column(name)).first;
      if (it->second < 0) continue;
      const auto column = static_cast<std::size_t>(it->second);
      if (cells.size() <= column) cells.resize(column + 1);
      cells[column] = cell;
      if (cell.kind == Cell::Kind::kNumber) ++doc.numeric_leaves;
    }
    table.add_row(cells, line);
  }
};

JsonLinesReader::JsonLinesReader(const Provenance& file, FigureIndex* figures,
                                 std::uint32_t figure_file, std::size_t max_line_bytes)
    : impl_(std::make_unique<Impl>(file, figures, figure_file, max_line_bytes)) {}

JsonLinesReader::~JsonLinesReader() = default;

void JsonLinesReader::feed(std::string_view chunk) {
  Impl& s = *impl_;
  while (!chunk.empty()) {
    const auto newline = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, newline);
    if (!s.carry_too_long) {
      if (s.carry.size() + piece.size() > s.max_line_bytes) {
        s.carry_too_long = true;
        s.carry.clear();
      } else {
        s.carry.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    if (s.carry_too_long) {
      ++s.line;
      s.bad_line(JsonSyntaxError{"line longer than " + std::to_string(s.max_line_bytes) + " bytes",
                                 s.line, 1, 0});
      s.carry_too_long = false;
    } else if (newline == piece.size() && s.carry.size() == piece.size()) {
      s.take_line(piece);  // the whole line is in this chunk: no copy needed
    } else {
      s.take_line(s.carry);
    }
    s.carry.clear();
    chunk.remove_prefix(newline + 1);
  }
}

JsonDocument JsonLinesReader::finish() {
  Impl& s = *impl_;
  if (s.carry_too_long) {
    s.bad_line(JsonSyntaxError{"line longer than " + std::to_string(s.max_line_bytes) + " bytes",
                               s.line + 1, 1, 0});
  } else if (!s.carry.empty()) {
    s.take_line(s.carry);
  }
  s.carry.clear();
  s.doc.parsed = s.doc.records > 0 || s.doc.bad_lines == 0;
  if (s.table.rows() > 0) s.doc.tables.push_back(s.table.finish());
  return std::move(s.doc);
}

}  // namespace chimera::ingest
