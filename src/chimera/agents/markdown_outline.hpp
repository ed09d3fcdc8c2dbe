#pragma once
// The structure of an LLM's Markdown answer: sections (real headings, and the
// pseudo-headings LLMs write as a bold line "**2. Key Findings**" or a bare
// numbered title line "4. Key Findings"), with their list items, table rows
// and paragraphs. cmark-gfm parses the answer; rules over its tree then read
// what CommonMark alone would not: a bold line is a heading, and "4. Key
// Findings" alone between blank lines is the title of what follows rather than
// a one-item list.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::agents {

struct OutlineItem {
  std::string text;      // the item's paragraphs, inline Markdown kept, lines joined by spaces
  int depth = 1;         // 1 = top level of its list, 2 = nested once, ...
  bool ordered = false;  // "1." / "1)" rather than "-", "*", "+"
  std::size_t line = 0;  // 1-based line of the marker
};

struct OutlineSection {
  std::string heading;      // cleaned: no emphasis, numbering or trailing colon
  std::string heading_raw;  // as written
  int level = 0;            // 0 = text before any heading, 1..6 = ATX/setext, 7 = pseudo
  std::size_t line = 0;     // 1-based line of the heading
  int parent = -1;          // index of the enclosing section, -1 for none
  std::vector<OutlineItem> items;
  std::vector<std::string> paragraphs;  // lines of a paragraph joined by spaces
  // Rows of GFM tables as "Throughput — Expected: 102.31; Observed: 0", so a
  // findings section that is a table still yields its findings.
  std::vector<OutlineItem> table_rows;
};

struct Outline {
  std::vector<OutlineSection> sections;  // sections[0] holds text before the first heading
};

Outline parse_outline(std::string_view markdown);

// Heading text without Markdown emphasis, leading numbering ("4.", "4.3", "IV.",
// "Section 2:"), trailing colon and surrounding spaces.
std::string clean_heading(std::string_view heading);

// Sentences of a paragraph. A period ends a sentence only when followed by a
// space and a capital letter (or the end), so "15.5", "e.g. this" and "v1.2" stay whole.
std::vector<std::string> split_sentences(std::string_view text);

}  // namespace chimera::agents
