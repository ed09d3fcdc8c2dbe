#pragma once
// What a figure is about: its metric (throughput, TTFT, a duration, a count, a
// percent change ...) and its entity (a model, a configuration label, an agent,
// a file). Known figures take their subject from their column or JSON key and
// their row; a figure in an LLM's text takes it from the words of its sentence
// nearest to it, or from its Markdown table's column header and row.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::agents {

// A metric as a family ("duration") and, when the words say, a kind of it
// ("ttft"). Two metrics conflict when both families are known and differ, or
// both kinds are known and differ; an unknown side conflicts with nothing.
// "ordinal" is the family of ranks, indexes and ids (a "Rank" or "run_index"
// column): positions, not measurements.
struct Metric {
  std::string family;  // throughput duration tokens percent change memory count setting
                       // ordinal, or ""
  std::string kind;    // ttft latency load prompt_eval eval total accuracy utilization ..., or ""
  bool known() const { return !family.empty(); }
  std::string name() const { return kind.empty() ? family : family + "/" + kind; }
};

bool metrics_conflict(const Metric& a, const Metric& b);

// The metric a column or key name states: "mean_tokens_s" -> throughput,
// "ttft_ms" -> duration/ttft, "eval_count" -> tokens, "num_ctx" -> setting.
Metric metric_of_name(std::string_view name);
// The metric a unit implies when no word says more: "tok/s" -> throughput,
// "ms" -> duration, "%" -> percent.
Metric metric_of_unit(std::string_view unit);

struct Mention {
  std::size_t offset = 0;  // in the searched text
  std::size_t length = 0;
  std::string what;  // the entity name as known, or the metric name
  Metric metric;     // for metric mentions
};

// Metric words in a text, in order: "time to first token", "throughput", "faster".
std::vector<Mention> metric_mentions(std::string_view text);

// Known entity names, searched as whole words, case-insensitively, longest first
// (so "gemma3:270m" wins over "gemma3"). Names of fewer than 2 characters and
// names without a letter ("1/7 (14%)") are not entities.
class EntityVocabulary {
 public:
  explicit EntityVocabulary(std::vector<std::string> names);
  std::vector<Mention> find(std::string_view text) const;
  bool empty() const { return names_.empty(); }

 private:
  std::vector<std::string> names_;  // as known
  std::vector<std::string> lower_;  // lowercased, same order; longest first
  // Names with spaces or other marks ("Chimera (120 layers)", "num_ctx=1024
  // temperature=0.8"): searched as substrings, not as single words.
  std::vector<std::size_t> phrases_;
};

// Case-insensitive equality of entity names.
bool same_entity(std::string_view a, std::string_view b);

// The Markdown table cell that holds `offset`, with its column's header and its
// row's other cells; found = false when the offset is not in a table row.
struct TableContext {
  bool found = false;
  std::string header;              // the header of the figure's column
  std::vector<std::string> cells;  // the figure's row, its own cell included
  std::size_t column = 0;
};
TableContext table_context(std::string_view text, std::size_t offset);

// At most `limit` characters of `sentence` around `needle`, with an ellipsis
// where text was cut.
std::string quote_sentence(std::string_view sentence, std::string_view needle,
                           std::size_t limit = 200);

}  // namespace chimera::agents
