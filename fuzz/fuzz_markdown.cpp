// Markdown with GFM tables: headings, tables and their analysis.
#include <cstdint>
#include <string_view>

#include "chimera/ingest/figure_index.hpp"
#include "chimera/ingest/markdown_doc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera::ingest;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FigureIndex figures(10'000, 1'000);
  const auto fid = figures.add_file("/fuzz", "x.md");
  analyse_markdown(text, Provenance{"/fuzz", "x.md", 0, {}, {}, 0}, &figures, fid);
  return 0;
}
