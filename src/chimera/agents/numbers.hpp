#pragma once
// Finds the figures in an LLM's text: integers, decimals, percentages, with
// their unit and the sentence they stand in. What is a figure and what is not
// (list markers, dates, versions, section numbers, names like "gemma3" or
// "270m") is documented in docs/AGENTS.md, "Verification".

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::agents {

struct NumberInText {
  std::string text_as_written;  // "15.58ms", "2,099", "34%"
  double value = 0.0;
  int decimals = 0;        // digits after the point as written: the rounding it implies
  std::string unit;        // canonical: ms s min tok/s % GB MB KB B x tokens, or ""
  std::string sentence;    // the sentence of its line that holds it
  std::size_t offset = 0;  // byte offset in the text
};

std::vector<NumberInText> find_numbers(std::string_view text);

// "tokens per second" -> "tok/s", "seconds" -> "s", "percent" -> "%"; "" when unknown.
std::string canonical_unit(std::string_view unit);

}  // namespace chimera::agents
