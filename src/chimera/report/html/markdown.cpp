#include "chimera/report/html/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

namespace chimera::report::html {
namespace {

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

// Safe mode is cmark-gfm's default; it is named here so that nobody turns it off.
constexpr int kOptions =
    CMARK_OPT_DEFAULT | CMARK_OPT_SAFE | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES;

// Shifts headings and replaces every image by a link to it holding its alt text.
void adjust(cmark_node* root, int heading_shift) {
  std::vector<cmark_node*> images;
  {
    std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(root));
    for (auto ev = cmark_iter_next(iter.get()); ev != CMARK_EVENT_DONE;
         ev = cmark_iter_next(iter.get())) {
      if (ev != CMARK_EVENT_ENTER) continue;
      cmark_node* node = cmark_iter_get_node(iter.get());
      const auto type = cmark_node_get_type(node);
      if (type == CMARK_NODE_HEADING) {
        cmark_node_set_heading_level(
            node, std::min(6, cmark_node_get_heading_level(node) + heading_shift));
      } else if (type == CMARK_NODE_IMAGE) {
        images.push_back(node);
      }
    }
  }
  for (cmark_node* image : images) {
    cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
    const char* url = cmark_node_get_url(image);
    cmark_node_set_url(link, url != nullptr ? url : "");
    while (cmark_node* child = cmark_node_first_child(image)) {
      cmark_node_unlink(child);
      cmark_node_append_child(link, child);
    }
    cmark_node_replace(image, link);
    cmark_node_free(image);
  }
}

}  // namespace

std::string markdown_html(std::string_view markdown, int heading_shift) {
  cmark_gfm_core_extensions_ensure_registered();
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(kOptions));
  for (const char* name : {"table", "strikethrough", "autolink", "tagfilter", "tasklist"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
      cmark_parser_attach_syntax_extension(parser.get(), ext);
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  std::unique_ptr<cmark_node, NodeDeleter> root(cmark_parser_finish(parser.get()));
  if (!root) return {};
  adjust(root.get(), heading_shift);
  char* rendered =
      cmark_render_html(root.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get()));
  std::string out = rendered != nullptr ? rendered : "";
  std::free(rendered);
  return out;
}

}  // namespace chimera::report::html
