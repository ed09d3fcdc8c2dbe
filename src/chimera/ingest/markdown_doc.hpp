#pragma once
// Markdown documents: their headings (the outline a report was written to)
// and their GFM tables, analysed like any other table. Parsed with cmark-gfm.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/ingest/provenance.hpp"
#include "chimera/ingest/table.hpp"

namespace chimera::ingest {

class FigureIndex;

struct Heading {
  int level = 1;
  std::string text;
  std::size_t line = 0;
};

struct MarkdownDocument {
  std::vector<Heading> headings;  // bounded by max_headings
  std::size_t heading_count = 0;
  std::vector<TableAnalysis> tables;
};

struct MarkdownLimits {
  std::size_t max_headings = 200;
  std::size_t max_tables = 64;
};

MarkdownDocument analyse_markdown(std::string_view text, const Provenance& file,
                                  FigureIndex* figures, std::uint32_t figure_file,
                                  const MarkdownLimits& limits = {});

}  // namespace chimera::ingest
