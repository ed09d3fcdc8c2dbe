#include "chimera/agents/numbers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "chimera/agents/markdown_outline.hpp"

namespace chimera::agents {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_word_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '_' || (static_cast<unsigned char>(c) & 0x80) != 0;
}

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

struct UnitSpelling {
  std::string_view written;
  std::string_view canonical;
  bool needs_no_space;  // "2 x 3" is not a multiplier, "2x" is
};

// Longest spellings first, so "ms" wins over "m" and "tokens/s" over "tokens".
constexpr std::array kUnits = {
    UnitSpelling{"tokens per second", "tok/s", false},
    UnitSpelling{"tokens/second", "tok/s", false},
    UnitSpelling{"milliseconds", "ms", false},
    UnitSpelling{"millisecond", "ms", false},
    UnitSpelling{"tokens/sec", "tok/s", false},
    UnitSpelling{"tokens/s", "tok/s", false},
    UnitSpelling{"tok/sec", "tok/s", false},
    UnitSpelling{"seconds", "s", false},
    UnitSpelling{"percent", "%", false},
    UnitSpelling{"minutes", "min", false},
    UnitSpelling{"second", "s", false},
    UnitSpelling{"minute", "min", false},
    UnitSpelling{"tokens", "tokens", false},
    UnitSpelling{"tok/s", "tok/s", false},
    UnitSpelling{"token", "tokens", false},
    UnitSpelling{"secs", "s", false},
    UnitSpelling{"sec", "s", false},
    UnitSpelling{"min", "min", false},
    UnitSpelling{"t/s", "tok/s", false},
    UnitSpelling{"tps", "tok/s", false},
    UnitSpelling{"GiB", "GB", false},
    UnitSpelling{"MiB", "MB", false},
    UnitSpelling{"KiB", "KB", false},
    UnitSpelling{"GB", "GB", false},
    UnitSpelling{"MB", "MB", false},
    UnitSpelling{"KB", "KB", false},
    UnitSpelling{"ms", "ms", false},
    UnitSpelling{"\xC3\x97", "x", true},
    UnitSpelling{"%", "%", false},
    UnitSpelling{"s", "s", false},
    UnitSpelling{"x", "x", true},
    UnitSpelling{"B", "B", true},
};

// The unit right after a number (at most one space between), and its length.
std::pair<std::string_view, std::size_t> unit_after(std::string_view rest) {
  std::size_t skip = 0;
  if (!rest.empty() && rest[0] == ' ') skip = 1;
  const std::string_view candidate = rest.substr(skip);
  for (const auto& unit : kUnits) {
    if (skip > 0 && unit.needs_no_space) continue;
    const bool case_matters = unit.written == "B" || unit.written.ends_with("B");
    const bool matches = case_matters ? candidate.starts_with(unit.written)
                                      : starts_with_ignoring_case(candidate, unit.written);
    if (!matches) continue;
    const std::size_t end = unit.written.size();
    // Whole words only: "10 steps" has no unit "s".
    if (end < candidate.size() && is_word_char(candidate[end]) && unit.written != "%") continue;
    return {unit.canonical, skip + end};
  }
  return {"", 0};
}

constexpr std::array kMonths = {
    "january",   "february", "march",    "april",    "may",  "june", "july", "august",
    "september", "october",  "november", "december", "jan",  "feb",  "mar",  "apr",
    "jun",       "jul",      "aug",      "sep",      "sept", "oct",  "nov",  "dec"};

// Words after which a number is a reference, not a figure: "Section 4.3", "Rank 1".
constexpr std::array kReferenceWords = {
    "section", "sec",  "table",    "figure", "fig",     "step",  "rank", "tier",   "phase",
    "chapter", "part", "appendix", "item",   "version", "stage", "no",   "number", "report"};

std::string previous_word(std::string_view text, std::size_t pos) {
  std::size_t end = pos;
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '.' || text[end - 1] == '#')) --end;
  std::size_t begin = end;
  while (begin > 0 && is_alpha(text[begin - 1])) --begin;
  std::string word;
  for (std::size_t i = begin; i < end; ++i) word += lower(text[i]);
  return word;
}

std::string next_word(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::string word;
  while (pos < text.size() && is_alpha(text[pos])) word += lower(text[pos++]);
  return word;
}

template <std::size_t N>
bool one_of(const std::string& word, const std::array<const char*, N>& list) {
  return std::any_of(list.begin(), list.end(), [&](const char* w) { return word == w; });
}

// Only blanks and Markdown markup ('#', '*', '_', '>', '|') before `pos` on its line.
bool at_line_start(std::string_view text, std::size_t pos) {
  while (pos > 0 && text[pos - 1] != '\n') {
    const char c = text[pos - 1];
    if (c != ' ' && c != '\t' && c != '#' && c != '*' && c != '_' && c != '>') return false;
    --pos;
  }
  return true;
}

// "## 4.3 Results", "**2.1 Setup**": the line opens with a heading mark.
bool line_is_heading(std::string_view text, std::size_t pos) {
  std::size_t begin = text.rfind('\n', pos);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  while (begin < pos && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  return begin < pos && (text[begin] == '#' || text[begin] == '*' || text[begin] == '_');
}

std::string sentence_at(std::string_view text, std::size_t offset) {
  std::size_t begin = text.rfind('\n', offset);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  std::size_t end = text.find('\n', offset);
  if (end == std::string_view::npos) end = text.size();
  std::string_view line = text.substr(begin, end - begin);
  // Markup that opens the line is not part of the sentence: "- ", "1. ", "## ", "> ".
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '#' ||
                           line.front() == '>' || line.front() == '-' || line.front() == '+' ||
                           (line.front() == '*' && line.size() > 1 && line[1] == ' '))) {
    line.remove_prefix(1);
  }
  std::size_t digits = 0;
  while (digits < line.size() && is_digit(line[digits])) ++digits;
  if (digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
      line[digits + 1] == ' ') {
    line.remove_prefix(digits + 2);
  }
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  begin = static_cast<std::size_t>(line.data() - text.data());
  std::size_t searched = 0;
  for (const auto& sentence : split_sentences(line)) {
    auto at = line.find(sentence, searched);
    if (at == std::string_view::npos) continue;
    if (begin + at + sentence.size() > offset) return sentence;
    searched = at + sentence.size();
  }
  return std::string(line);
}

}  // namespace

std::string canonical_unit(std::string_view unit) {
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
  if (unit.empty()) return "";
  auto [canonical, length] = unit_after(unit);
  if (length == unit.size()) return std::string(canonical);
  if (starts_with_ignoring_case(unit, "fraction") || starts_with_ignoring_case(unit, "ratio")) {
    return "fraction";
  }
  return "";
}

namespace {

// Joined characters ("-", ".", ":", "/") followed by a word character keep a
// name, date, path or version together: "conv_bench_20251002-170837.json".
// Returns the offset after the word that includes `i`.
std::size_t skip_word(std::string_view text, std::size_t i) {
  while (i < text.size()) {
    const char c = text[i];
    const bool joiner = c == '.' || c == '-' || c == ':' || c == '/';
    if (!is_word_char(c) && !(joiner && i + 1 < text.size() && is_word_char(text[i + 1]))) break;
    ++i;
  }
  return i;
}

// A decimal literal from `i`: digits (with "2,099" thousands separators) and
// an optional fraction; `i` moves past it.
struct Literal {
  std::string digits;
  int decimals = 0;
};
Literal read_literal(std::string_view text, std::size_t& i) {
  Literal out;
  while (i < text.size()) {
    if (is_digit(text[i])) {
      out.digits += text[i++];
    } else if (text[i] == ',' && i + 4 <= text.size() &&
               std::all_of(text.begin() + i + 1, text.begin() + i + 4, is_digit) &&
               (i + 4 >= text.size() || !is_digit(text[i + 4]))) {
      ++i;  // thousands separator: "2,099"
    } else {
      break;
    }
  }
  if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
    out.digits += text[i++];
    while (i < text.size() && is_digit(text[i])) {
      out.digits += text[i++];
      ++out.decimals;
    }
  }
  return out;
}

// List markers ("1. "), heading numbers ("## 2 Results"), references
// ("Table 3"), years and days of a month are text, not figures. `end` is
// where the literal ends, `unit` what follows it.
bool is_text_number(std::string_view text, std::size_t start, std::size_t end, const Literal& n,
                    double value, std::string_view unit, std::size_t unit_length) {
  const bool list_marker = n.decimals == 0 && at_line_start(text, start) && end < text.size() &&
                           (text[end] == '.' || text[end] == ')') &&
                           (end + 1 >= text.size() || text[end + 1] == ' ' || text[end + 1] == '*');
  const bool heading_number = at_line_start(text, start) && line_is_heading(text, start) &&
                              unit.empty() && end < text.size() &&
                              (text[end] == ' ' || text[end] == '.' || text[end] == '*');
  const std::string before = previous_word(text, start);
  const std::string after = next_word(text, end + unit_length);
  const bool year =
      unit.empty() && n.decimals == 0 && n.digits.size() == 4 && value >= 1900 && value <= 2100;
  const bool day_of_month = unit.empty() && n.decimals == 0 && value >= 1 && value <= 31 &&
                            (one_of(before, kMonths) || one_of(after, kMonths));
  return list_marker || heading_number || one_of(before, kReferenceWords) || year || day_of_month;
}

// "13.60 - 15.84ms", "300 to 400 tokens": the first end of a range takes the unit of the second.
void share_range_units(std::string_view text, std::vector<NumberInText>& found) {
  for (std::size_t k = 0; k + 1 < found.size(); ++k) {
    auto& first = found[k];
    const auto& second = found[k + 1];
    if (!first.unit.empty() || second.unit.empty()) continue;
    const std::size_t gap_begin =
        first.offset + first.text_as_written.size() - (first.value < 0 ? 1 : 0);
    if (second.offset < gap_begin) continue;
    std::string gap(text.substr(gap_begin, second.offset - gap_begin));
    std::erase(gap, ' ');
    if (gap == "-" || gap == "to" || gap == "\xE2\x80\x93") first.unit = second.unit;
  }
}

NumberInText number_at(std::string_view text, std::size_t start, std::size_t end, double value,
                       int decimals, std::string_view unit) {
  const bool negative = start > 0 && text[start - 1] == '-' &&
                        (start == 1 || text[start - 2] == ' ' || text[start - 2] == '(');
  NumberInText number;
  number.text_as_written =
      std::string(text.substr(negative ? start - 1 : start, end - start + (negative ? 1 : 0)));
  number.value = negative ? -value : value;
  number.decimals = decimals;
  number.unit = std::string(unit);
  number.offset = start;
  number.sentence = sentence_at(text, start);
  return number;
}

}  // namespace

std::vector<NumberInText> find_numbers(std::string_view text) {
  std::vector<NumberInText> found;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    // Part of a name ("gemma3", "q4_0", "TR108", "v1.2"): skip the whole word.
    if (start > 0 && (is_word_char(text[start - 1]) ||
                      (text[start - 1] == '.' && start > 1 && is_word_char(text[start - 2])))) {
      i = skip_word(text, i);
      continue;
    }
    const Literal literal = read_literal(text, i);
    // Versions "1.2.3", dates "2025-10-09" and "10/27/2025", times "18:53:30".
    if (i + 1 < text.size() && is_digit(text[i + 1]) &&
        (text[i] == '.' || text[i] == ':' || text[i] == '/' ||
         (text[i] == '-' && literal.digits.size() == 4 && literal.decimals == 0))) {
      i = skip_word(text, i);
      continue;
    }
    const std::string_view rest = text.substr(i);
    auto [unit, unit_length] = unit_after(rest);
    if (unit_length == 0 && !rest.empty() && is_word_char(rest[0])) {
      i = skip_word(text, i);  // "270m", "1b", "2nd": a name or an ordinal
      continue;
    }
    double value = 0.0;
    std::from_chars(literal.digits.data(), literal.digits.data() + literal.digits.size(), value);
    const std::size_t end = i;
    i += unit_length;
    if (is_text_number(text, start, end, literal, value, unit, unit_length)) continue;
    found.push_back(number_at(text, start, i, value, literal.decimals, unit));
  }
  share_range_units(text, found);
  return found;
}

}  // namespace chimera::agents
