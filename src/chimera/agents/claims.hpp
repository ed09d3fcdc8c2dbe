#pragma once
// What a sentence claims about a figure beyond its metric and entity
// (subjects.hpp): the statistic it names (mean, median, p95, max ...), the
// direction of a comparison (higher, faster ...), whether it speaks of this run
// or of past results, the files and settings it names. The verifier holds every
// known figure to these (verification.cpp; docs/AGENTS.md, "Verification").

#include <string>
#include <string_view>
#include <vector>

#include "chimera/agents/subjects.hpp"
#include "chimera/agents/verification.hpp"

namespace chimera::agents {

// The statistic a column or key name states: "mean_tokens_s" -> "mean",
// "ttft_p95" -> "p95", "p50" -> "median", "max_latency_ms" -> "max"; "" when
// the name states none. One of: mean median p90 p95 p99 max min.
std::string statistic_of_name(std::string_view name);

// The statistics the words of a clause give a figure of `metric`: at most one
// mean, median or percentile and one extreme ("the worst mean_ttft_s" is a mean
// that is the maximum of its column). "worst" and "best" are the maximum and
// minimum of a duration and the minimum and maximum of a throughput; "peak" is
// a maximum.
std::vector<std::string> statistics_in_words(std::string_view clause, const Metric& metric);

// The direction a comparison states. Faster and slower are directions of speed:
// a higher throughput or a lower duration is faster.
enum class Direction { kNone, kUp, kDown, kFaster, kSlower };
const char* to_string(Direction direction);
// The sign of the change a direction word states for a metric: +1 up, -1
// down; "faster" is up for a throughput and down for a duration, "slower" the
// reverse; 0 for no direction.
int direction_sign(Direction direction, bool duration);

struct Claim {
  std::vector<std::string> statistics;              // as statistics_in_words; each must hold
  Direction direction = Direction::kNone;           // in the figure's clause
  Direction sentence_direction = Direction::kNone;  // anywhere in its sentence
  bool negative = false;                            // written with a minus sign
  bool this_run = false;           // "this run measured ...": only this run's measurements
  bool historical = false;         // "historically", "the previous report": only artifacts
  bool percentage_points = false;  // "points", "pp": a difference of two percents
  std::vector<std::string> files;  // file names the sentence names ("sim-sweep.csv")
  std::string words;               // the sentence (or table row and header) normalised
};

// `sentence`: the figure's sentence, or its table row and header; `clause`: the
// part of it that speaks of the figure.
Claim read_claim(std::string_view sentence, std::string_view clause, const Metric& metric,
                 bool negative);

// Whether normalised `words` name the setting `name` ("top_k", "num_ctx"): its
// own name, or for num_ctx, num_predict, num_gpu and the like the words that
// mean it ("context", "max tokens", "gpu layers").
bool names_setting(std::string_view words, std::string_view name);

// Lowercase, '_' and '-' read as spaces, runs of spaces as one.
std::string normalise_words(std::string_view text);

// A known figure's unit as the verifier's conversions name it: "tok/s", "ms",
// "%", "count", "fraction", ""; a unit no written figure carries ("samples/s")
// stays itself.
std::string known_unit_kind(std::string_view unit);
// Its metric: from its name, else from its unit.
Metric metric_of_known(const KnownFigure& known);
// The name it is known by: its metric, else its label.
const std::string& metric_key(const KnownFigure& known);
// Whether it is `statistic`: by its name ("p95_ttft_ms") or by what its fact
// says (a column summary's mean, a best row's max).
bool is_statistic(const KnownFigure& known, std::string_view statistic);
// Whether it is every one of `statistics`.
bool is_statistic(const KnownFigure& known, const std::vector<std::string>& statistics);

}  // namespace chimera::agents
