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

struct GeneratedText {
  std::vector<std::string> tokens;  // concatenated, they are the text
  std::string finish_reason;        // "length" when cut by the limit, else "stop"
  std::string joined() const;
};

// Numbers found in a prompt ("102.31", "2048"), so a report can quote some of
// them (true figures) next to invented ones.
std::vector<std::string> numbers_in(std::string_view prompt, std::size_t limit = 32);

// With `max_tokens`, exactly that many tokens (finish "length"); without, a
// complete report of 128-256 tokens ending at a block boundary (finish "stop").
GeneratedText generate_report(std::uint64_t seed, std::optional<std::int64_t> max_tokens,
                              std::string_view prompt);

}  // namespace chimera::sim
