#pragma once
// Checks every figure of an LLM's text against what is known: facts read from
// the artifacts and the run's own measurements. A figure is verified when some
// known figure of a compatible unit equals it up to the rounding its written
// decimals imply. Units (docs/AGENTS.md, "Verification", has the full table):
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
// are trivial: some cell of any data set holds them, so they are not evidence
// either way and are neither verified nor unverified.

#include <string>
#include <string_view>
#include <vector>

namespace chimera::agents {

struct KnownFigure {
  double value = 0.0;
  // Any spelling canonical_unit() knows; "fraction" (a share of 1); "count" (a
  // plain count or setting); another unit, compatible only with itself; or ""
  // when nothing says.
  std::string unit;
  std::string label;   // what it is: "mean_tokens_s", "InsightAgent throughput"
  std::string source;  // provenance: "reports/gemma3/x.csv row 3, column mean_tokens_s",
                       // "measured: run 1 InsightAgent decode_tps"
};

// Where known figures come from; adapters wrap ingestion facts and run metrics.
class FigureSource {
 public:
  virtual ~FigureSource();
  // Figures whose value v satisfies |v - value| <= rel_tol * |value|
  // (for value 0: exactly 0), whatever their unit.
  virtual std::vector<KnownFigure> find(double value, double rel_tol) const = 0;
};

class VectorFigureSource : public FigureSource {
 public:
  explicit VectorFigureSource(std::vector<KnownFigure> figures);
  std::vector<KnownFigure> find(double value, double rel_tol) const override;
  const std::vector<KnownFigure>& figures() const { return figures_; }

 private:
  std::vector<KnownFigure> figures_;  // sorted by value
};

enum class FigureStatus { kVerified, kUnverified, kTrivial };
const char* to_string(FigureStatus status);

struct VerifiedFigure {
  std::string text_as_written;
  double value = 0.0;
  std::string unit;
  std::string sentence;
  FigureStatus status = FigureStatus::kUnverified;
  bool verified = false;  // status == kVerified
  std::vector<KnownFigure> matches;
};

struct VerificationResult {
  std::vector<VerifiedFigure> figures;  // in the order of the text
  std::size_t total() const { return figures.size(); }
  std::size_t verified_count() const;
  std::size_t unverified_count() const;
  std::size_t trivial_count() const;
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
