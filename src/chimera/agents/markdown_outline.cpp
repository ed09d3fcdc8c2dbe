#include "chimera/agents/markdown_outline.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <utility>

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

struct ParserDeleter {
  void operator()(cmark_parser* parser) const { cmark_parser_free(parser); }
};
struct NodeDeleter {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterDeleter {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};

std::unique_ptr<cmark_node, NodeDeleter> parse_gfm(std::string_view markdown) {
  // Registration is not thread-safe inside cmark-gfm; a function-local static is.
  static cmark_syntax_extension* const tables = [] {
    cmark_gfm_core_extensions_ensure_registered();
    return cmark_find_syntax_extension("table");
  }();
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(CMARK_OPT_DEFAULT));
  if (tables != nullptr) cmark_parser_attach_syntax_extension(parser.get(), tables);
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  return std::unique_ptr<cmark_node, NodeDeleter>(cmark_parser_finish(parser.get()));
}

// The table extension's node types are registered at run time and not
// exported, so its nodes are known by their type name.
bool has_type_name(cmark_node* node, std::string_view name) {
  const char* type = cmark_node_get_type_string(node);
  return type != nullptr && name == type;
}

std::size_t start_line(cmark_node* node) {
  return static_cast<std::size_t>(std::max(0, cmark_node_get_start_line(node)));
}

// Backticks around a code span: one more than the longest run inside it.
std::string code_fence(std::string_view code) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char c : code) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(longest + 1, '`');
}

void render_enter(cmark_node* node, std::string& out) {
  const char* literal = cmark_node_get_literal(node);
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_HTML_INLINE:
      if (literal != nullptr) out += literal;
      break;
    case CMARK_NODE_CODE: {
      const std::string_view code = literal != nullptr ? literal : "";
      const std::string fence = code_fence(code);
      const bool pad = code.starts_with('`') || code.ends_with('`');
      out += fence + (pad ? " " : "") + std::string(code) + (pad ? " " : "") + fence;
      break;
    }
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
      out += ' ';
      break;
    case CMARK_NODE_EMPH:
      out += '*';
      break;
    case CMARK_NODE_STRONG:
      out += "**";
      break;
    case CMARK_NODE_LINK:
      out += '[';
      break;
    case CMARK_NODE_IMAGE:
      out += "![";
      break;
    default:
      break;
  }
}

void render_exit(cmark_node* node, std::string& out) {
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_EMPH:
      out += '*';
      break;
    case CMARK_NODE_STRONG:
      out += "**";
      break;
    case CMARK_NODE_LINK:
    case CMARK_NODE_IMAGE: {
      const char* url = cmark_node_get_url(node);
      out += "](";
      out += url != nullptr ? url : "";
      out += ')';
      break;
    }
    default:
      break;
  }
}

// Inline content back as Markdown: emphasis, code spans and links as an
// author would write them, line breaks as spaces. Iterative, so deeply nested
// emphasis in an answer cannot exhaust the stack.
void render_inline(cmark_node* node, std::string& out) {
  std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(node));
  cmark_event_type event;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* current = cmark_iter_get_node(iter.get());
    if (current == node) continue;
    if (event == CMARK_EVENT_ENTER) render_enter(current, out);
    if (event == CMARK_EVENT_EXIT) render_exit(current, out);
  }
}

// The inline children of a block, one entry per source line.
std::vector<std::vector<cmark_node*>> inline_lines(cmark_node* block) {
  std::vector<std::vector<cmark_node*>> lines(1);
  for (cmark_node* n = cmark_node_first_child(block); n != nullptr; n = cmark_node_next(n)) {
    const auto type = cmark_node_get_type(n);
    if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
      lines.emplace_back();
    } else {
      lines.back().push_back(n);
    }
  }
  return lines;
}

std::string render_nodes(const std::vector<cmark_node*>& nodes) {
  std::string out;
  for (cmark_node* n : nodes) {
    render_enter(n, out);
    render_inline(n, out);
    render_exit(n, out);
  }
  return std::string(trim(out));
}

std::string render_block(cmark_node* block) {
  std::string out;
  render_inline(block, out);
  return std::string(trim(out));
}

// A line that is bold and nothing else: "**Key Findings**", "**5. Recommendations:**",
// "**Key Findings**:". "**Date:** today" and "**a** and **b**" are text.
bool is_bold_line(std::vector<cmark_node*> line) {
  // What may trail the bold text: spaces (cmark-gfm keeps those before a hard
  // break as an empty text node) and one colon.
  auto trailing = [&line](bool colon) {
    while (line.size() > 1 && cmark_node_get_type(line.back()) == CMARK_NODE_TEXT) {
      const char* literal = cmark_node_get_literal(line.back());
      const std::string_view rest = trim(literal != nullptr ? literal : "");
      if (!rest.empty() && !(colon && rest == ":")) return;
      line.pop_back();
      if (!rest.empty()) colon = false;
    }
  };
  trailing(true);
  if (line.size() != 1) return false;
  bool bold = false;
  for (cmark_node* n = line[0]; n != nullptr; n = cmark_node_first_child(n)) {
    const auto type = cmark_node_get_type(n);
    if (type != CMARK_NODE_STRONG && type != CMARK_NODE_EMPH) break;
    bold = bold || type == CMARK_NODE_STRONG;
    if (cmark_node_first_child(n) != cmark_node_last_child(n)) break;
  }
  if (!bold) return false;
  const std::string inner = render_block(line[0]);
  return !inner.empty() && inner.size() <= 120;
}

// "4. Key Findings": short, capitalised, not bold-led ("1. **Do X:** ..."),
// not ending like a sentence.
bool title_shaped(std::string_view title) {
  if (title.empty() || title.size() > 60 || word_count(title) > 8) return false;
  if (title.starts_with("**") || title.starts_with("__")) return false;
  const char last = title.back();
  if (last == '.' || last == ',' || last == ';' || last == '!' || last == '?') return false;
  return !std::islower(static_cast<unsigned char>(title.front()));
}

class OutlineBuilder {
 public:
  OutlineBuilder() { outline_.sections.push_back({}); }

  void heading(std::string raw, int level, std::size_t line) {
    OutlineSection section;
    section.heading = clean_heading(raw);
    section.heading_raw = std::move(raw);
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

  void item(OutlineItem item) { current().items.push_back(std::move(item)); }
  void table_row(OutlineItem row) { current().table_rows.push_back(std::move(row)); }
  void paragraph(std::string text) {
    if (!text.empty()) current().paragraphs.push_back(std::move(text));
  }

  Outline finish() { return std::move(outline_); }

 private:
  OutlineSection& current() { return outline_.sections.back(); }

  Outline outline_;
};

// Walks cmark-gfm's tree in document order and feeds the builder. The source
// lines are kept for what the tree does not record: blank lines around a
// list item and the number written before it.
class OutlineReader {
 public:
  explicit OutlineReader(std::string_view markdown) : lines_(split_lines(markdown)) {}

  Outline read(cmark_node* document) {
    blocks(cmark_node_first_child(document), 0);
    return builder_.finish();
  }

 private:
  // Answers nested deeper than this are not outlines; the limit keeps the
  // recursion bounded whatever the input.
  static constexpr int kMaxNesting = 32;

  using Lines = std::vector<std::vector<cmark_node*>>;

  // `first` and the blocks after it in its parent.
  void blocks(cmark_node* first, int nesting) {
    if (nesting > kMaxNesting) return;
    for (cmark_node* node = first; node != nullptr; node = cmark_node_next(node)) {
      block(node, nesting);
    }
  }

  void block(cmark_node* node, int nesting) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        builder_.heading(render_block(node), cmark_node_get_heading_level(node), start_line(node));
        break;
      case CMARK_NODE_PARAGRAPH:
        paragraph(inline_lines(node), 0, start_line(node));
        break;
      case CMARK_NODE_LIST:
        list(node, 1, nesting + 1);
        break;
      case CMARK_NODE_BLOCK_QUOTE:
        blocks(cmark_node_first_child(node), nesting + 1);
        break;
      default:
        if (has_type_name(node, "table")) table(node);
        break;  // code, HTML and thematic breaks hold no outline
    }
  }

  // Lines [from, end) of a paragraph, `from` at source line `line`. Each line
  // that is bold and nothing else is a heading of its own, the lines between
  // are paragraphs.
  void paragraph(const Lines& lines, std::size_t from, std::size_t line) {
    std::string text;
    for (std::size_t i = from; i < lines.size(); ++i, ++line) {
      if (!lines[i].empty() && is_bold_line(lines[i])) {
        builder_.paragraph(std::exchange(text, {}));
        const std::size_t at = start_line(lines[i].front());
        builder_.heading(render_nodes(lines[i]), 7, at > 0 ? at : line);
      } else if (std::string part = render_nodes(lines[i]); !part.empty()) {
        if (!text.empty()) text += ' ';
        text += part;
      }
    }
    builder_.paragraph(std::move(text));
  }

  void list(cmark_node* node, int depth, int nesting) {
    if (nesting > kMaxNesting) return;
    const bool ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
    for (cmark_node* item = cmark_node_first_child(node); item != nullptr;
         item = cmark_node_next(item)) {
      if (is_numbered_title(item)) {
        builder_.heading(std::string(trim(source_line(start_line(item)))), 7, start_line(item));
        // What the title's item holds besides the title is the section's own text.
        blocks(cmark_node_next(cmark_node_first_child(item)), nesting);
      } else {
        list_item(item, {std::string(), depth, ordered, start_line(item)}, nesting);
      }
    }
  }

  // An item's text is its paragraphs up to its first nested list, whose items
  // are one level deeper. A bold line left of the item's text, which CommonMark
  // continues the item with, is a heading: it and what follows leave the item.
  void list_item(cmark_node* node, OutlineItem item, int nesting) {
    cmark_node* child = cmark_node_first_child(node);
    for (; child != nullptr && cmark_node_get_type(child) != CMARK_NODE_LIST;
         child = cmark_node_next(child)) {
      if (cmark_node_get_type(child) != CMARK_NODE_PARAGRAPH) continue;
      const Lines lines = inline_lines(child);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i > 0 && is_lazy(lines[i], child) && is_bold_line(lines[i])) {
          if (!item.text.empty()) builder_.item(std::move(item));
          paragraph(lines, i, start_line(child) + i);
          blocks(cmark_node_next(child), nesting + 1);
          return;
        }
        if (std::string part = render_nodes(lines[i]); !part.empty()) {
          if (!item.text.empty()) item.text += ' ';
          item.text += part;
        }
      }
    }
    const int depth = item.depth;
    if (!item.text.empty()) builder_.item(std::move(item));
    for (; child != nullptr; child = cmark_node_next(child)) {
      if (cmark_node_get_type(child) == CMARK_NODE_LIST) list(child, depth + 1, nesting + 1);
    }
  }

  // Whether a paragraph line after the first starts left of the paragraph's
  // first line, which CommonMark accepts as a lazy continuation. The source
  // line is read because cmark-gfm does not record the columns of such lines.
  bool is_lazy(const std::vector<cmark_node*>& line, cmark_node* paragraph) const {
    if (line.empty()) return false;
    const std::string_view text = source_line(start_line(line.front()));
    const auto indent = text.find_first_not_of(" \t");
    const int content = cmark_node_get_start_column(paragraph);
    return indent != std::string_view::npos && content > 0 &&
           indent + 1 < static_cast<std::size_t>(content);
  }

  // Rows as "Throughput — Expected: 102.31; Observed: 0", so a findings
  // section that is a table still yields its findings.
  void table(cmark_node* node) {
    std::vector<std::string> header;
    for (cmark_node* row = cmark_node_first_child(node); row != nullptr;
         row = cmark_node_next(row)) {
      std::vector<std::string> cells;
      for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr;
           cell = cmark_node_next(cell)) {
        cells.push_back(render_block(cell));
      }
      if (has_type_name(row, "table_header")) {
        header = std::move(cells);
        continue;
      }
      std::string text = cells.empty() ? "" : cells[0];
      for (std::size_t i = 1; i < cells.size(); ++i) {
        text += i == 1 ? " — " : "; ";
        if (i < header.size() && !header[i].empty()) text += header[i] + ": ";
        text += cells[i];
      }
      builder_.table_row({std::move(text), 1, false, start_line(row)});
    }
  }

  std::string_view source_line(std::size_t line) const {
    return line >= 1 && line <= lines_.size() ? lines_[line - 1] : std::string_view{};
  }

  // The number written before an ordered item: "12. x" -> 12.
  std::optional<int> ordinal(cmark_node* item) const {
    std::string_view line = source_line(start_line(item));
    const int column = cmark_node_get_start_column(item);
    if (column < 1 || static_cast<std::size_t>(column) > line.size()) return std::nullopt;
    line.remove_prefix(static_cast<std::size_t>(column - 1));
    int n = 0;
    std::size_t k = 0;
    for (; k < line.size() && k < 9 && is_digit(line[k]); ++k) n = n * 10 + (line[k] - '0');
    if (k == 0) return std::nullopt;
    return n;
  }

  // The text of an item's first paragraph when it is the marker's line only.
  static std::optional<std::string> title_line(cmark_node* item) {
    cmark_node* first = cmark_node_first_child(item);
    if (first == nullptr || cmark_node_get_type(first) != CMARK_NODE_PARAGRAPH) return std::nullopt;
    if (start_line(first) != start_line(item) ||
        cmark_node_get_end_line(first) != cmark_node_get_start_line(first)) {
      return std::nullopt;
    }
    return render_block(first);
  }

  static bool holds_only_its_line(cmark_node* item) {
    return cmark_node_next(cmark_node_first_child(item)) == nullptr;
  }

  // "4. Key Findings" at the answer's left margin, alone between blank lines,
  // title-shaped, and neither preceded by a one-line item N-1 of that shape
  // nor directly followed by item N+1: the title of what follows, not a list
  // item. A list that restarts at 1 below it is its content, even where
  // CommonMark continues the list.
  bool is_numbered_title(cmark_node* item) const {
    cmark_node* list = cmark_node_parent(item);
    if (cmark_node_get_list_type(list) != CMARK_ORDERED_LIST) return false;
    if (cmark_node_get_type(cmark_node_parent(list)) != CMARK_NODE_DOCUMENT) return false;
    const std::size_t line = start_line(item);
    if (line == 0 || cmark_node_get_start_column(item) != 1) return false;
    const auto title = title_line(item);
    if (!title || !title_shaped(*title)) return false;
    if (!trim(source_line(line - 1)).empty() || !trim(source_line(line + 1)).empty()) return false;
    const auto n = ordinal(item);
    if (!n) return false;
    if (cmark_node* previous = cmark_node_previous(item);
        previous != nullptr && holds_only_its_line(previous) && ordinal(previous) == *n - 1) {
      const auto previous_title = title_line(previous);
      if (previous_title && title_shaped(*previous_title)) return false;
    }
    cmark_node* next = cmark_node_next(item);
    return !(holds_only_its_line(item) && next != nullptr && ordinal(next) == *n + 1);
  }

  std::vector<std::string_view> lines_;
  OutlineBuilder builder_;
};

}  // namespace

Outline parse_outline(std::string_view markdown) {
  const auto document = parse_gfm(markdown);
  if (!document) return OutlineBuilder().finish();
  return OutlineReader(markdown).read(document.get());
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
