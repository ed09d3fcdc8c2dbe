#include "chimera/ingest/markdown_doc.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <memory>
#include <mutex>
#include <string_view>

namespace chimera::ingest {
namespace {

struct ParserDeleter {
  void operator()(cmark_parser* parser) const { cmark_parser_free(parser); }
};
struct NodeDeleter {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterDeleter {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};

// The visible text of a node: emphasis, links and code spans reduced to their words.
std::string plain_text(cmark_node* node) {
  std::string out;
  std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(node));
  cmark_event_type event;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    if (event != CMARK_EVENT_ENTER) continue;
    cmark_node* current = cmark_iter_get_node(iter.get());
    const auto type = cmark_node_get_type(current);
    if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_HTML_INLINE) {
      if (const char* literal = cmark_node_get_literal(current)) out += literal;
    } else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
      out += ' ';
    }
  }
  return out;
}

// The table extension registers its node types at run time; its headers do
// not export them, so tables are recognised by their type name.
bool is_table(cmark_node* node) {
  const char* name = cmark_node_get_type_string(node);
  return name != nullptr && std::string_view(name) == "table";
}

std::vector<std::string> row_cells(cmark_node* row) {
  std::vector<std::string> cells;
  for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr;
       cell = cmark_node_next(cell)) {
    cells.push_back(plain_text(cell));
  }
  return cells;
}

void analyse_table(cmark_node* table_node, const std::string& title, const Provenance& file,
                   FigureIndex* figures, std::uint32_t figure_file, MarkdownDocument& doc) {
  cmark_node* row = cmark_node_first_child(table_node);
  if (row == nullptr) return;
  Provenance source = file;
  source.line = static_cast<std::size_t>(cmark_node_get_start_line(table_node));
  TableAccumulator table(row_cells(row), source, "markdown", figures, figure_file);
  std::vector<std::string> texts;
  std::vector<Cell> cells;
  for (row = cmark_node_next(row); row != nullptr; row = cmark_node_next(row)) {
    texts = row_cells(row);
    cells.clear();
    for (const auto& text : texts) cells.push_back(Cell::from_text(text));
    table.add_row(cells, static_cast<std::size_t>(cmark_node_get_start_line(row)));
  }
  TableAnalysis analysis = table.finish();
  analysis.title = title;
  doc.tables.push_back(std::move(analysis));
}

}  // namespace

MarkdownDocument analyse_markdown(std::string_view text, const Provenance& file,
                                  FigureIndex* figures, std::uint32_t figure_file,
                                  const MarkdownLimits& limits) {
  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });

  MarkdownDocument doc;
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(CMARK_OPT_DEFAULT));
  if (cmark_syntax_extension* tables = cmark_find_syntax_extension("table")) {
    cmark_parser_attach_syntax_extension(parser.get(), tables);
  }
  cmark_parser_feed(parser.get(), text.data(), text.size());
  std::unique_ptr<cmark_node, NodeDeleter> root(cmark_parser_finish(parser.get()));
  if (!root) return doc;

  std::string current_heading;
  for (cmark_node* node = cmark_node_first_child(root.get()); node != nullptr;
       node = cmark_node_next(node)) {
    const auto type = cmark_node_get_type(node);
    if (type == CMARK_NODE_HEADING) {
      current_heading = plain_text(node);
      ++doc.heading_count;
      if (doc.headings.size() < limits.max_headings) {
        doc.headings.push_back(Heading{cmark_node_get_heading_level(node), current_heading,
                                       static_cast<std::size_t>(cmark_node_get_start_line(node))});
      }
    } else if (is_table(node) && doc.tables.size() < limits.max_tables) {
      analyse_table(node, current_heading, file, figures, figure_file, doc);
    }
  }
  return doc;
}

}  // namespace chimera::ingest
