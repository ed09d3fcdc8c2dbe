#pragma once
// Checks every figure of an LLM's text against what is known: facts read from
// the artifacts and the run's own measurements. A figure is matched by value
// (up to the rounding its written decimals imply), unit and subject (the metric
// and the entity its sentence or table row says it is about; subjects.hpp).
// Classes: verified, misattributed (the value belongs to another subject),
// derived (a difference, ratio or percent change of one metric between two
// entities the sentence names), unverified, trivial. docs/AGENTS.md,
// "Verification", has the rules. Units:
//  - a figure written with a unit matches known figures of the same dimension,
//    converted: s <-> ms <-> min (and us, ns), GB <-> MB <-> KB <-> B, the
//    spellings of tok/s; a percent matches a known percent, or a known
//    "fraction" times 100, and nothing else (not seconds, not a count);
//  - a known figure of unknown unit ("") matches a figure written without a
//    unit, or with a unit but unconverted (0.46 s against a bare 0.46); never a
//    percent, so 164% is not a value 1.64 of some column;
//  - a known "count" (num_ctx, batch_size, completed) matches only a figure
//    written without a unit, or in tokens;
//  - a figure written without a unit matches any known figure of its value.
// Whole numbers below 10 written without a unit or decimals ("2", "3 agents")
// and word counts ("in 300 words") are trivial: some cell of any data set holds
// them, or they describe the text itself, so they are not evidence either way.

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chimera/agents/subjects.hpp"

namespace chimera::agents {

// Where a known figure comes from: a file read (historical), this run's own
// measurements, or a setting sent with the requests (an option such as num_ctx).
enum class FigureOrigin { kArtifact, kMeasured, kSetting };
const char* to_string(FigureOrigin origin);

struct KnownFigure {
  KnownFigure() = default;
  KnownFigure(double v, std::string u, std::string what, std::string where, std::string m = {},
              std::vector<std::string> about = {})
      : value(v),
        unit(std::move(u)),
        label(std::move(what)),
        source(std::move(where)),
        metric(std::move(m)),
        entities(std::move(about)) {}

  double value = 0.0;
  // Any spelling canonical_unit() knows; "fraction" (a share of 1); "count" (a
  // plain count or setting); another unit, compatible only with itself; or ""
  // when nothing says.
  std::string unit;
  std::string label;   // what it is: "mean_tokens_s", "InsightAgent throughput"
  std::string source;  // provenance: "reports/gemma3/x.csv row 3, column mean_tokens_s",
                       // "measured: run 1 InsightAgent decode_tps"
  // The subject. `metric` is a name metric_of_name() reads ("" = the label);
  // `entities` the names of what it is about: a row's model and configuration
  // label, an agent, a JSON parent key. Empty: about nothing in particular.
  std::string metric;
  std::vector<std::string> entities;
  FigureOrigin origin = FigureOrigin::kArtifact;
  // What statistic of its column the figure is when its name does not say
  // (a fact's "mean", "median", "max", "min", "count"; claims.hpp), else "".
  std::string statistic;
  // Figures of one group are comparable rows: the same file or table (an
  // artifact's file), or this run's measurements. "" = the source's file part.
  std::string group;
};

// Where known figures come from; adapters wrap ingestion facts and run metrics.
class FigureSource {
 public:
  virtual ~FigureSource();
  // Figures whose value v satisfies |v - value| <= rel_tol * |value|
  // (for value 0: exactly 0), whatever their unit.
  virtual std::vector<KnownFigure> find(double value, double rel_tol) const = 0;
  // Every entity name the figures carry, so the verifier can find them in text.
  virtual std::vector<std::string> entity_names() const = 0;
  // Figures about one entity (case-insensitive), at most `limit`.
  virtual std::vector<KnownFigure> about(const std::string& entity, std::size_t limit) const = 0;
};

class VectorFigureSource : public FigureSource {
 public:
  explicit VectorFigureSource(std::vector<KnownFigure> figures);
  std::vector<KnownFigure> find(double value, double rel_tol) const override;
  std::vector<std::string> entity_names() const override;
  std::vector<KnownFigure> about(const std::string& entity, std::size_t limit) const override;
  const std::vector<KnownFigure>& figures() const { return figures_; }

 private:
  std::vector<KnownFigure> figures_;                                     // sorted by value
  std::unordered_map<std::string, std::vector<std::size_t>> by_entity_;  // lowercase name
};

enum class FigureStatus { kVerified, kMisattributed, kDerived, kUnverified, kTrivial };
const char* to_string(FigureStatus status);

struct VerifiedFigure {
  std::string text_as_written;
  double value = 0.0;
  std::string unit;
  std::string sentence;  // its sentence, at most about 200 characters
  std::string metric;    // the subject the text gives it: "throughput", "duration/ttft"
  std::string entity;    // "gemma3", or "" when the text names none
  FigureStatus status = FigureStatus::kUnverified;
  bool verified = false;  // status == kVerified
  // verified: the facts of its subject; misattributed: those of other subjects
  // with its value; derived: the two facts of the formula.
  std::vector<KnownFigure> matches;
  std::string formula;       // derived: "(103.16 - 80.10) / 80.10 = 28.8%"
  std::string formula_kind;  // derived: "relative change", "ratio", "percentage points",
                             // "difference"
  std::string reason;        // why it got its class, in a few words
};

struct VerificationResult {
  std::vector<VerifiedFigure> figures;  // in the order of the text
  std::size_t total() const { return figures.size(); }
  std::size_t count(FigureStatus status) const;
  std::size_t verified_count() const;
  std::size_t unverified_count() const;
  std::size_t trivial_count() const;
  std::size_t checkable() const { return total() - trivial_count(); }
  std::vector<VerifiedFigure> with(FigureStatus status) const;
  std::vector<VerifiedFigure> unverified() const;
  std::vector<VerifiedFigure> trivial() const;
};

// "2", "3 agents", "-4": a whole number below 10 written without unit or decimals.
bool is_trivial_figure(double value, std::string_view unit, int decimals);

struct VerifyOptions {
  // Slack beyond the written rounding, relative to the written value (0 = exact
  // up to rounding). Raise it to accept "about" figures.
  double relative_slack = 0.0;
};

VerificationResult verify(std::string_view text, const std::vector<const FigureSource*>& sources,
                          const VerifyOptions& options = {});

// Every figure of a text as a known figure, e.g. the numbers of the data summary
// that was given to the model, which came from ingestion.
std::vector<KnownFigure> figures_in_text(std::string_view text, const std::string& source);

}  // namespace chimera::agents
