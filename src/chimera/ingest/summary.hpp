#pragma once
// Renderings of an Analysis: the compact data summary handed to an agent
// (fitted to its context window), the Markdown report of `chimera inventory`,
// and the full JSON document of `--json`.

#include <cstddef>
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

std::string render_markdown(const Analysis& analysis, std::size_t max_facts = 40);

inline constexpr int kAnalysisSchemaVersion = 1;
nlohmann::json to_json(const Analysis& analysis);

}  // namespace chimera::ingest
