#pragma once
// Markdown to HTML for the reports' pages (internal to report/), through
// cmark-gfm with its GFM extensions.

#include <string>
#include <string_view>

namespace chimera::report::html {

// Safe to put inside a page whatever the text (it is often a model's answer):
// raw HTML in the Markdown is dropped (cmark-gfm's safe mode and tag filter),
// links with a script or data scheme lose their target, and images become
// links, so the page never fetches anything. Headings are moved `heading_shift`
// levels down (at most h6), so that the text's "# Title" sits under the page's own.
std::string markdown_html(std::string_view markdown, int heading_shift = 2);

}  // namespace chimera::report::html
