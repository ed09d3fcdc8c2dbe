#pragma once
// Key Findings and Recommendations taken from the structure of an LLM's
// Markdown answer: the list items of the sections whose heading means findings
// or recommendations. Headings are compared word by word, never by substring,
// and no line of the answer is used twice. When the answer has no such
// sections, fallbacks apply, and the rule that produced each list is reported.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::agents {

enum class ExtractionRule {
  kSections,          // items under headings that mean findings / recommendations
  kSectionText,       // such a section had no list: its first sentences
  kExecutiveSummary,  // findings only: the executive summary's items, else its sentences
  kFirstBullets,      // findings only: the first top-level items of the answer
  kFirstSentences,    // findings only: the first sentences of the answer
  kNone,              // nothing that qualifies
};

const char* to_string(ExtractionRule rule);
// A sentence for the report: "items under the headings 'Key Findings'".
std::string describe(ExtractionRule rule, const std::vector<std::string>& headings);

struct ExtractedItem {
  std::string text;                  // as written (inline Markdown kept)
  std::vector<std::string> details;  // nested items under it, in order
  std::string section;               // the heading it was found under ("" = none)
  std::size_t line = 0;              // 1-based line in the answer, 0 for sentences
};

struct ExtractedList {
  std::vector<ExtractedItem> items;
  ExtractionRule rule = ExtractionRule::kNone;
  std::vector<std::string> headings;  // the sections the items came from
};

struct Extraction {
  ExtractedList findings;
  ExtractedList recommendations;
};

struct ExtractionOptions {
  std::size_t max_fallback_items = 5;      // first-bullets fallback
  std::size_t max_fallback_sentences = 3;  // sentence fallbacks
};

enum class HeadingMeaning { kOther, kFindings, kRecommendations, kExecutiveSummary };
// By whole words of the cleaned heading: "Key Findings", "Observations",
// "Results", "Insights" mean findings; "Recommendations", "Next Steps",
// "Action Items", "Suggestions" mean recommendations. Words in parentheses only
// qualify and are ignored; when both meanings appear, the first word decides.
HeadingMeaning heading_meaning(std::string_view heading);

Extraction extract(std::string_view markdown, const ExtractionOptions& options = {});

}  // namespace chimera::agents
