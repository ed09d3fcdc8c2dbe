#include "chimera/agents/markdown_outline.hpp"

#include <cctype>
#include <optional>

namespace chimera::agents {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::size_t indentation(std::string_view line) {
  std::size_t n = 0;
  for (char c : line) {
    if (c == ' ') {
      ++n;
    } else if (c == '\t') {
      n += 4;
    } else {
      break;
    }
  }
  return n;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

struct ListMarker {
  std::size_t indent = 0;
  bool ordered = false;
  std::string_view content;
};

// "- x", "* x", "+ x", "1. x", "1) x": a marker, then at least one space.
std::optional<ListMarker> list_marker(std::string_view line) {
  const std::size_t indent = indentation(line);
  std::string_view rest = trim(line);
  if (rest.empty()) return std::nullopt;
  std::size_t marker_len = 0;
  bool ordered = false;
  if (rest[0] == '-' || rest[0] == '*' || rest[0] == '+') {
    marker_len = 1;
  } else {
    while (marker_len < rest.size() && marker_len < 9 && is_digit(rest[marker_len])) ++marker_len;
    if (marker_len == 0 || marker_len >= rest.size()) return std::nullopt;
    if (rest[marker_len] != '.' && rest[marker_len] != ')') return std::nullopt;
    ++marker_len;
    ordered = true;
  }
  if (marker_len >= rest.size() || !is_space(rest[marker_len])) return std::nullopt;
  return ListMarker{indent, ordered, trim(rest.substr(marker_len))};
}

bool is_thematic_break(std::string_view line) {
  line = trim(line);
  if (line.size() < 3) return false;
  const char c = line[0];
  if (c != '-' && c != '*' && c != '_') return false;
  std::size_t count = 0;
  for (char x : line) {
    if (x == c) {
      ++count;
    } else if (!is_space(x)) {
      return false;
    }
  }
  return count >= 3;
}

bool is_setext_underline(std::string_view line, char c) {
  line = trim(line);
  if (line.empty()) return false;
  for (char x : line) {
    if (x != c) return false;
  }
  return true;
}

// "## Title" -> level 2.
std::optional<std::pair<int, std::string_view>> atx_heading(std::string_view line) {
  if (indentation(line) > 3) return std::nullopt;
  line = trim(line);
  int level = 0;
  while (level < static_cast<int>(line.size()) && line[level] == '#') ++level;
  if (level == 0 || level > 6) return std::nullopt;
  if (level < static_cast<int>(line.size()) && !is_space(line[level])) return std::nullopt;
  std::string_view text = trim(line.substr(level));
  while (!text.empty() && text.back() == '#') text.remove_suffix(1);
  return std::pair{level, trim(text)};
}

// A line that is bold and nothing else: "**Key Findings**", "**5. Recommendations:**".
std::optional<std::string_view> bold_line(std::string_view line) {
  line = trim(line);
  if (line.size() > 1 && line.back() == ':') line = trim(line.substr(0, line.size() - 1));
  for (std::string_view fence : {"**", "__"}) {
    if (line.size() > 4 && line.starts_with(fence) && line.ends_with(fence)) {
      std::string_view inner = line.substr(2, line.size() - 4);
      if (inner.find(fence) != std::string_view::npos) return std::nullopt;  // "**a** and **b**"
      inner = trim(inner);
      if (inner.empty() || inner.size() > 120) return std::nullopt;
      return inner;
    }
  }
  return std::nullopt;
}

// The number of an ordered list marker: "12. x" -> 12.
int ordinal(std::string_view line) {
  line = trim(line);
  int n = 0;
  for (std::size_t k = 0; k < line.size() && k < 9 && is_digit(line[k]); ++k)
    n = n * 10 + (line[k] - '0');
  return n;
}

std::size_t word_count(std::string_view text) {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

class OutlineBuilder {
 public:
  OutlineBuilder() { outline_.sections.push_back({}); }

  void heading(std::string_view raw, int level, std::size_t line) {
    end_block();
    OutlineSection section;
    section.heading_raw = std::string(raw);
    section.heading = clean_heading(raw);
    section.level = level;
    section.line = line;
    // The enclosing section is the nearest earlier one of a smaller level.
    for (int i = static_cast<int>(outline_.sections.size()) - 1; i >= 0; --i) {
      if (outline_.sections[i].level < level) {
        section.parent = i;
        break;
      }
    }
    outline_.sections.push_back(std::move(section));
  }

  void item(const ListMarker& marker, std::size_t line) {
    end_paragraph();
    table_header_.clear();
    while (!indents_.empty() && indents_.back() > marker.indent) indents_.pop_back();
    if (indents_.empty() || indents_.back() < marker.indent) indents_.push_back(marker.indent);
    current().items.push_back(
        {std::string(marker.content), static_cast<int>(indents_.size()), marker.ordered, line});
    in_item_ = true;
  }

  // Returns false when the line is not a continuation of the open list item.
  bool continue_item(std::string_view line, bool after_blank) {
    if (!in_item_ || current().items.empty()) return false;
    if (after_blank && indentation(line) <= indents_.back()) return false;
    auto& text = current().items.back().text;
    text += ' ';
    text += trim(line);
    return true;
  }

  void table_line(std::string_view line, std::size_t line_no) {
    end_paragraph();
    in_item_ = false;
    indents_.clear();
    std::vector<std::string> cells;
    line = trim(line);
    if (line.starts_with('|')) line.remove_prefix(1);
    if (line.ends_with('|')) line.remove_suffix(1);
    bool separator = true;
    for (std::size_t start = 0; start <= line.size();) {
      auto bar = line.find('|', start);
      if (bar == std::string_view::npos) bar = line.size();
      const auto cell = trim(line.substr(start, bar - start));
      if (cell.find_first_not_of("-: ") != std::string_view::npos) separator = false;
      cells.emplace_back(cell);
      start = bar + 1;
    }
    if (separator) return;
    if (table_header_.empty()) {
      table_header_ = std::move(cells);
      return;
    }
    std::string text = cells.empty() ? "" : cells[0];
    for (std::size_t i = 1; i < cells.size(); ++i) {
      text += i == 1 ? " — " : "; ";
      if (i < table_header_.size() && !table_header_[i].empty()) text += table_header_[i] + ": ";
      text += cells[i];
    }
    current().table_rows.push_back({text, 1, false, line_no});
  }

  void paragraph_line(std::string_view line) {
    table_header_.clear();
    in_item_ = false;
    indents_.clear();
    if (!paragraph_.empty()) paragraph_ += ' ';
    paragraph_ += trim(line);
    paragraph_lines_++;
  }

  // A setext underline turns a one-line paragraph into a heading.
  bool promote_paragraph(int level, std::size_t line) {
    if (paragraph_lines_ != 1) return false;
    std::string text = std::move(paragraph_);
    paragraph_.clear();
    paragraph_lines_ = 0;
    heading(text, level, line - 1);
    return true;
  }

  void end_paragraph() {
    if (!paragraph_.empty()) current().paragraphs.push_back(std::move(paragraph_));
    paragraph_.clear();
    paragraph_lines_ = 0;
  }

  void end_block() {
    end_paragraph();
    table_header_.clear();
    in_item_ = false;
    indents_.clear();
  }

  Outline finish() {
    end_block();
    return std::move(outline_);
  }

 private:
  OutlineSection& current() { return outline_.sections.back(); }

  Outline outline_;
  std::string paragraph_;
  std::size_t paragraph_lines_ = 0;
  std::vector<std::size_t> indents_;       // marker indentation of each open list level
  std::vector<std::string> table_header_;  // of the table being read, if any
  bool in_item_ = false;
};

// "4. Key Findings" alone between blank lines, short, not ending like a
// sentence, and neither preceded by item N-1 nor followed by item N+1: a title
// of what follows, not a list item. A list that restarts at 1 below it is its content.
// Short, capitalised, not bold-led, not ending like a sentence.
bool title_shaped(std::string_view title) {
  if (title.empty() || title.size() > 60 || word_count(title) > 8) return false;
  if (title.starts_with("**") || title.starts_with("__")) return false;  // "1. **Do X:** ..."
  const char last = title.back();
  if (last == '.' || last == ',' || last == ';' || last == '!' || last == '?') return false;
  return !std::islower(static_cast<unsigned char>(title.front()));
}

bool is_numbered_title(const std::vector<std::string_view>& lines, std::size_t i,
                       const ListMarker& marker) {
  if (!marker.ordered || marker.indent > 0 || !title_shaped(marker.content)) return false;
  if (i > 0 && !trim(lines[i - 1]).empty()) return false;
  if (i + 1 < lines.size() && !trim(lines[i + 1]).empty()) return false;
  for (std::size_t j = i; j-- > 0;) {  // the last item of a loose list "1. a\n\n2. b"
    if (trim(lines[j]).empty()) continue;
    auto previous = list_marker(lines[j]);
    if (previous && previous->ordered && previous->indent == 0 && title_shaped(previous->content) &&
        ordinal(lines[j]) + 1 == ordinal(lines[i])) {
      return false;
    }
    break;
  }
  for (std::size_t j = i + 1; j < lines.size(); ++j) {
    if (trim(lines[j]).empty()) continue;
    auto next = list_marker(lines[j]);
    if (!next || !next->ordered || next->indent > 0) return true;
    return ordinal(lines[j]) != ordinal(lines[i]) + 1;
  }
  return true;
}

}  // namespace

Outline parse_outline(std::string_view markdown) {
  const auto lines = split_lines(markdown);
  OutlineBuilder builder;
  bool in_fence = false;
  std::string_view fence;
  bool after_blank = true;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line_no = i + 1;
    std::string_view line = lines[i];
    const std::string_view trimmed = trim(line);
    if (in_fence) {
      if (trimmed.starts_with(fence)) in_fence = false;
      continue;
    }
    if (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
      builder.end_block();
      in_fence = true;
      fence = trimmed.substr(0, 3);
      after_blank = false;
      continue;
    }
    if (trimmed.empty()) {
      builder.end_paragraph();
      after_blank = true;
      continue;
    }
    const bool was_after_blank = after_blank;
    after_blank = false;
    if (!was_after_blank && is_setext_underline(line, '=') &&
        builder.promote_paragraph(1, line_no)) {
      continue;
    }
    if (!was_after_blank && is_setext_underline(line, '-') &&
        builder.promote_paragraph(2, line_no)) {
      continue;
    }
    if (is_thematic_break(line)) {
      builder.end_block();
      continue;
    }
    if (auto h = atx_heading(line)) {
      builder.heading(h->second, h->first, line_no);
      continue;
    }
    if (trimmed.front() == '|') {
      builder.table_line(trimmed, line_no);
      continue;
    }
    if (auto bold = bold_line(line); bold && indentation(line) <= 3) {
      builder.heading(trimmed, 7, line_no);
      continue;
    }
    if (auto marker = list_marker(line)) {
      if (is_numbered_title(lines, i, *marker)) {
        builder.heading(trimmed, 7, line_no);
      } else {
        builder.item(*marker, line_no);
      }
      continue;
    }
    if (builder.continue_item(line, was_after_blank)) continue;
    std::string_view text = trimmed;
    while (!text.empty() && text.front() == '>') text = trim(text.substr(1));
    if (!text.empty()) builder.paragraph_line(text);
  }
  return builder.finish();
}

std::string clean_heading(std::string_view heading) {
  std::string text;
  for (char c : trim(heading)) {
    if (c != '*' && c != '_' && c != '`') text += c;
  }
  std::string_view view = trim(text);
  // "Section 2:", "Part 3." prefixes
  for (std::string_view word : {"Section ", "Part ", "Chapter "}) {
    if (view.starts_with(word) && view.size() > word.size() && is_digit(view[word.size()])) {
      view.remove_prefix(word.size());
    }
  }
  // "4.", "4.3", "4)", "IV." numbering
  std::size_t n = 0;
  while (n < view.size() && (is_digit(view[n]) || view[n] == '.')) ++n;
  if (n == 0) {
    while (n < view.size() && (view[n] == 'I' || view[n] == 'V' || view[n] == 'X')) ++n;
    if (n == 0 || n >= view.size() || view[n] != '.') n = 0;
  }
  if (n > 0 && n < view.size() && (view[n] == ')' || view[n] == ':' || view[n] == '.')) ++n;
  if (n > 0 && (n >= view.size() || is_space(view[n]))) view = trim(view.substr(n));
  while (!view.empty() && (view.back() == ':' || view.back() == '.')) view.remove_suffix(1);
  return std::string(trim(view));
}

std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> sentences;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '.' && c != '!' && c != '?') continue;
    const bool at_end = i + 1 == text.size();
    bool boundary = at_end;
    if (!at_end && is_space(text[i + 1])) {
      std::size_t j = i + 1;
      while (j < text.size() && is_space(text[j])) ++j;
      boundary = j == text.size() || std::isupper(static_cast<unsigned char>(text[j])) ||
                 text[j] == '*' || text[j] == '"' || is_digit(text[j]);
    }
    if (!boundary) continue;
    auto sentence = trim(text.substr(start, i + 1 - start));
    if (!sentence.empty()) sentences.emplace_back(sentence);
    start = i + 1;
  }
  auto rest = trim(text.substr(std::min(start, text.size())));
  if (!rest.empty()) sentences.emplace_back(rest);
  return sentences;
}

}  // namespace chimera::agents
