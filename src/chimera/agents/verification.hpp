#pragma once
// Checks every figure of an LLM's text against what is known: facts read from
// the artifacts and the run's own measurements. A figure is verified when some
// known figure equals it up to the rounding its written decimals imply, after
// unit changes (s <-> ms, fraction <-> percent, GB <-> MB).

#include <string>
#include <string_view>
#include <vector>

namespace chimera::agents {

struct KnownFigure {
  double value = 0.0;
  std::string unit;    // any spelling canonical_unit() knows, "fraction", or "" when unitless
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

struct VerifiedFigure {
  std::string text_as_written;
  double value = 0.0;
  std::string unit;
  std::string sentence;
  bool verified = false;
  std::vector<KnownFigure> matches;
};

struct VerificationResult {
  std::vector<VerifiedFigure> figures;  // in the order of the text
  std::size_t total() const { return figures.size(); }
  std::size_t verified_count() const;
  std::vector<VerifiedFigure> unverified() const;
};

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
