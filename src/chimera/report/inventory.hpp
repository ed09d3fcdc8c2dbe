#pragma once
// The Markdown report of `chimera inventory`: roots, files by type and
// directory, gaps, unreadable and empty files, and the top facts with their
// sources.

#include <cstddef>
#include <string>

#include "chimera/ingest/analysis.hpp"

namespace chimera::report {

std::string render_inventory_markdown(const ingest::Analysis& analysis, std::size_t max_facts = 40);

}  // namespace chimera::report
