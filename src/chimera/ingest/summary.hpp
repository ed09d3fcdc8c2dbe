#pragma once
// Renderings of an Analysis for its consumers: the compact data summary handed
// to an agent (fitted to its context window) and the full JSON document of
// `--json`. The Markdown report of `chimera inventory` is report/inventory.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "chimera/ingest/analysis.hpp"

namespace chimera::ingest {

// Tokens are estimated as characters / 4. The inventory line(s) always come
// first; then facts in ranking order (gaps and best configurations first),
// spread over kinds and files, until the budget is spent. Works from ~100
// tokens up; at the smallest budgets the inventory line itself is shortened.
std::string data_summary(const Analysis& analysis, std::size_t token_budget);
std::size_t estimate_tokens(const std::string& text);

// "1.5 MB"; bytes below 1 KB exactly ("512 B").
std::string human_bytes(std::uint64_t bytes);
// "3 csv, 2 json", or "no files".
std::string type_counts(const Inventory& inv);
// Where in its file a source sits: " @json.path", " @row 3", " @line 7", or "".
std::string location(const Provenance& source);

inline constexpr int kAnalysisSchemaVersion = 1;
nlohmann::json to_json(const Analysis& analysis);

}  // namespace chimera::ingest
