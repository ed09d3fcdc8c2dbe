#pragma once
// Deterministic Markdown reports (headings, lists, a GFM table, numbers), one
// token per streamed chunk, so extraction and verification can be tested
// against text whose every figure is known.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::sim {

// A figure the report states on purpose, with the class a verifier should give
// it: "verified" (a data-summary figure for its own entity), "misattributed"
// (one entity's figure stated for another), "derived" (the percent change of
// one metric between two entities) or "unverified" (invented).
struct PlantedFigure {
  std::string written;  // as in the text: "102.50 tokens/s", "29%"
  std::string expected;
  std::string metric;    // the data summary's column name
  std::string entity;    // the entity the sentence names first
  std::string basis;     // the data-summary figures it was made from
  std::string sentence;  // the whole sentence that states it
};

struct GeneratedText {
  std::vector<std::string> tokens;     // concatenated, they are the text
  std::string finish_reason;           // "length" when cut by the limit, else "stop"
  std::vector<PlantedFigure> planted;  // those whose sentence the text holds whole
  std::string joined() const;
};

// "Best mean_tokens_s: 102.50 tokens/s for model gemma3:latest (...)" lines of
// a data summary, as (metric, value as written, unit, entity, file).
struct SummaryFigure {
  std::string metric;
  std::string value;
  std::string unit;
  std::string entity;
  std::string file;  // "(3 rows in FILE)": the table it comes from, or ""
};
std::vector<SummaryFigure> summary_figures(std::string_view prompt, std::size_t limit = 64);

// The models and configurations a prompt names ("for model gemma3:latest",
// "for config g60_c2048_t0.8"), each once, in order.
std::vector<std::string> summary_entities(std::string_view prompt, std::size_t limit = 64);

// Numbers found in a prompt ("102.31", "2048"), so a report can quote some of
// them (true figures) next to invented ones.
std::vector<std::string> numbers_in(std::string_view prompt, std::size_t limit = 32);

// With `max_tokens`, exactly that many tokens (finish "length"); without, a
// complete report of 128-256 tokens ending at a block boundary (finish "stop").
GeneratedText generate_report(std::uint64_t seed, std::optional<std::int64_t> max_tokens,
                              std::string_view prompt);

}  // namespace chimera::sim
