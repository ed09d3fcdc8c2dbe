#include "chimera/agents/extraction.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "chimera/agents/markdown_outline.hpp"

namespace chimera::agents {

namespace {

std::vector<std::string> lowercase_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool has_word(const std::vector<std::string>& words, std::initializer_list<std::string_view> any) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::find(any.begin(), any.end(), w) != any.end();
  });
}

bool has_phrase(const std::vector<std::string>& words, std::string_view first,
                std::string_view second) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == first && words[i + 1] == second) return true;
  }
  return false;
}

// Lowercase, emphasis removed, spaces collapsed, trailing colon dropped: two
// items that differ only in these ways are the same item.
std::string dedupe_key(std::string_view text) {
  std::string key;
  bool space = false;
  for (char c : text) {
    if (c == '*' || c == '_' || c == '`') continue;
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !key.empty();
      continue;
    }
    if (space) key += ' ';
    space = false;
    key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!key.empty() && (key.back() == ':' || key.back() == '.')) key.pop_back();
  return key;
}

class Collector {
 public:
  Collector(const Outline& outline, std::set<std::string>& used) : outline_(outline), used_(used) {}

  // Top-level items of the given sections; deeper items become details.
  ExtractedList items_of(const std::vector<std::size_t>& sections, ExtractionRule rule) {
    ExtractedList list;
    list.rule = rule;
    for (auto s : sections) {
      const auto& section = outline_.sections[s];
      // A section that holds a table and no list: its rows are its items.
      const auto& items = section.items.empty() ? section.table_rows : section.items;
      if (items.empty()) continue;
      int top = items.front().depth;
      for (const auto& item : items) top = std::min(top, item.depth);
      ExtractedItem* open = nullptr;
      for (const auto& item : items) {
        if (item.depth > top) {
          if (open && claim(item.text)) open->details.push_back(item.text);
          continue;
        }
        open = nullptr;
        if (!claim(item.text)) continue;
        list.items.push_back({item.text, {}, section.heading, item.line});
        open = &list.items.back();
      }
      note_heading(list, section.heading);
    }
    if (list.items.empty()) list.rule = ExtractionRule::kNone;
    return list;
  }

  ExtractedList sentences_of(const std::vector<std::size_t>& sections, ExtractionRule rule,
                             std::size_t limit) {
    ExtractedList list;
    list.rule = rule;
    for (auto s : sections) {
      const auto& section = outline_.sections[s];
      for (const auto& paragraph : section.paragraphs) {
        for (auto& sentence : split_sentences(paragraph)) {
          if (list.items.size() >= limit) break;
          if (!claim(sentence)) continue;
          list.items.push_back({std::move(sentence), {}, section.heading, 0});
          note_heading(list, section.heading);
        }
      }
    }
    if (list.items.empty()) list.rule = ExtractionRule::kNone;
    return list;
  }

 private:
  bool claim(const std::string& text) { return used_.insert(dedupe_key(text)).second; }

  static void note_heading(ExtractedList& list, const std::string& heading) {
    if (heading.empty()) return;
    if (std::find(list.headings.begin(), list.headings.end(), heading) == list.headings.end()) {
      list.headings.push_back(heading);
    }
  }

  const Outline& outline_;
  std::set<std::string>& used_;
};

}  // namespace

const char* to_string(ExtractionRule rule) {
  switch (rule) {
    case ExtractionRule::kSections:
      return "sections";
    case ExtractionRule::kSectionText:
      return "section_text";
    case ExtractionRule::kExecutiveSummary:
      return "executive_summary";
    case ExtractionRule::kFirstBullets:
      return "first_bullets";
    case ExtractionRule::kFirstSentences:
      return "first_sentences";
    case ExtractionRule::kNone:
      return "none";
  }
  return "none";
}

std::string describe(ExtractionRule rule, const std::vector<std::string>& headings) {
  std::string quoted;
  for (const auto& h : headings) quoted += (quoted.empty() ? "'" : ", '") + h + "'";
  switch (rule) {
    case ExtractionRule::kSections:
      return "the list items under the heading(s) " + quoted;
    case ExtractionRule::kSectionText:
      return "the first sentences under the heading(s) " + quoted + " (they hold no list)";
    case ExtractionRule::kExecutiveSummary:
      return "fallback: no findings section; taken from the executive summary";
    case ExtractionRule::kFirstBullets:
      return "fallback: no findings section; the first list items of the answer";
    case ExtractionRule::kFirstSentences:
      return "fallback: no findings section and no lists; the first sentences of the answer";
    case ExtractionRule::kNone:
      return "none found";
  }
  return "none found";
}

HeadingMeaning heading_meaning(std::string_view heading) {
  // "Recommendations (Leveraging ... Insights)": a parenthesis qualifies, it does not name.
  std::string outside;
  int depth = 0;
  for (char c : clean_heading(heading)) {
    if (c == '(') ++depth;
    if (depth == 0) outside += c;
    if (c == ')' && depth > 0) --depth;
  }
  const auto words = lowercase_words(outside);
  // The first word that means something decides: "Findings and Recommendations" are findings.
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::vector<std::string> word{words[i]};
    if (has_word(word, {"finding", "findings", "observation", "observations", "insight", "insights",
                        "result", "results", "takeaway", "takeaways", "highlights"})) {
      return HeadingMeaning::kFindings;
    }
    if (has_word(word, {"recommendation", "recommendations", "recommended", "suggestion",
                        "suggestions"})) {
      return HeadingMeaning::kRecommendations;
    }
    const std::vector<std::string> pair(
        words.begin() + static_cast<std::ptrdiff_t>(i),
        words.begin() + static_cast<std::ptrdiff_t>(std::min(i + 2, words.size())));
    if (has_phrase(pair, "next", "steps") || has_phrase(pair, "action", "items") ||
        has_phrase(pair, "action", "plan")) {
      return HeadingMeaning::kRecommendations;
    }
  }
  if (has_phrase(words, "executive", "summary") ||
      (words.size() == 1 && (words[0] == "summary" || words[0] == "overview"))) {
    return HeadingMeaning::kExecutiveSummary;
  }
  return HeadingMeaning::kOther;
}

namespace {

// Each section's meaning; a section without one of its own takes its
// enclosing section's, so the sub-headings of "## Key Findings" are findings too.
std::vector<HeadingMeaning> section_meanings(const Outline& outline) {
  std::vector<HeadingMeaning> meaning(outline.sections.size(), HeadingMeaning::kOther);
  for (std::size_t i = 0; i < outline.sections.size(); ++i) {
    meaning[i] = heading_meaning(outline.sections[i].heading);
    const int parent = outline.sections[i].parent;
    if (meaning[i] == HeadingMeaning::kOther && parent >= 0) meaning[i] = meaning[parent];
  }
  return meaning;
}

std::vector<std::size_t> sections_where(const std::vector<HeadingMeaning>& meaning,
                                        bool (*keep)(HeadingMeaning)) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < meaning.size(); ++i) {
    if (keep(meaning[i])) out.push_back(i);
  }
  return out;
}

// The items of the sections, or else their first sentences.
ExtractedList items_or_sentences(Collector& collect, const std::vector<std::size_t>& sections,
                                 ExtractionRule items_rule, ExtractionRule sentences_rule,
                                 std::size_t max_sentences) {
  auto items = collect.items_of(sections, items_rule);
  if (!items.items.empty()) return items;
  return collect.sentences_of(sections, sentences_rule, max_sentences);
}

// No findings or summary section: the document's first bullets outside the
// recommendations, or else its first sentences.
ExtractedList document_findings(Collector& collect, const std::vector<HeadingMeaning>& meaning,
                                const ExtractionOptions& options) {
  const auto others = sections_where(
      meaning, [](HeadingMeaning m) { return m != HeadingMeaning::kRecommendations; });
  auto bullets = collect.items_of(others, ExtractionRule::kFirstBullets);
  if (bullets.items.empty()) {
    return collect.sentences_of(others, ExtractionRule::kFirstSentences,
                                options.max_fallback_sentences);
  }
  if (bullets.items.size() > options.max_fallback_items) {
    bullets.items.resize(options.max_fallback_items);
  }
  bullets.headings.clear();
  for (const auto& item : bullets.items) {
    if (!item.section.empty() && std::find(bullets.headings.begin(), bullets.headings.end(),
                                           item.section) == bullets.headings.end()) {
      bullets.headings.push_back(item.section);
    }
  }
  return bullets;
}

}  // namespace

Extraction extract(std::string_view markdown, const ExtractionOptions& options) {
  const Outline outline = parse_outline(markdown);
  const auto meaning = section_meanings(outline);
  std::set<std::string> used;
  Collector collect(outline, used);
  Extraction result;
  const auto findings =
      sections_where(meaning, [](HeadingMeaning m) { return m == HeadingMeaning::kFindings; });
  const auto recommendations = sections_where(
      meaning, [](HeadingMeaning m) { return m == HeadingMeaning::kRecommendations; });
  // Items first for both, so a sentence fallback never takes a listed item.
  result.findings = collect.items_of(findings, ExtractionRule::kSections);
  result.recommendations = collect.items_of(recommendations, ExtractionRule::kSections);
  if (result.findings.items.empty()) {
    result.findings = collect.sentences_of(findings, ExtractionRule::kSectionText,
                                           options.max_fallback_sentences);
  }
  if (result.recommendations.items.empty()) {
    result.recommendations = collect.sentences_of(recommendations, ExtractionRule::kSectionText,
                                                  options.max_fallback_sentences);
  }
  if (!result.findings.items.empty()) return result;
  const auto summary = sections_where(
      meaning, [](HeadingMeaning m) { return m == HeadingMeaning::kExecutiveSummary; });
  result.findings =
      items_or_sentences(collect, summary, ExtractionRule::kExecutiveSummary,
                         ExtractionRule::kExecutiveSummary, options.max_fallback_sentences);
  if (!result.findings.items.empty()) return result;
  result.findings = document_findings(collect, meaning, options);
  return result;
}

}  // namespace chimera::agents
