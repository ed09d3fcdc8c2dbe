#pragma once
// The ingestion's figure index as a source of known figures for verification.
// Each figure is typed by what its column or JSON key name says (eval_s -> s,
// ttft_ms -> ms, num_ctx -> count), so that the verifier can refuse to match a
// percentage against seconds or a context size.

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/agents/verification.hpp"
#include "chimera/ingest/figure_index.hpp"

namespace chimera::orchestrate {

// The unit a column or JSON key name implies for a value, in KnownFigure's
// spelling: "tok/s", "s", "ms", "us", "ns", "%", "fraction", "x", "GB", "MB",
// "tokens", "count" (a plain count or setting), another unit the name states
// ("samples/s"), or "" when the name does not say. A proportion whose name gives
// no scale (error_rate, gpu_utilization) is a fraction up to 1 and a percent above.
std::string unit_from_name(std::string_view name, double value);

// The name a figure is known by: its table column, else the last key of its JSON
// path ("$.models[0].ttft_ms" -> "ttft_ms", "$.samples[3]" -> "samples").
std::string figure_name(const ingest::Provenance& source);

class IngestFigureSource final : public agents::FigureSource {
 public:
  // Every figure of a value is returned unless `per_lookup` bounds them: a
  // common value (num_ctx 2048, num_gpu 60 in dozens of rows) would otherwise
  // lose the row a sentence is about to the rows nearest in index order, and
  // a right figure would pass for misattributed. The verifier keeps only those
  // of a compatible unit and metric.
  explicit IngestFigureSource(const ingest::FigureIndex& index,
                              std::size_t per_lookup = std::numeric_limits<std::size_t>::max());
  std::vector<agents::KnownFigure> find(double value, double rel_tol) const override;
  std::vector<std::string> entity_names() const override;
  std::vector<agents::KnownFigure> about(const std::string& entity,
                                         std::size_t limit) const override;

 private:
  agents::KnownFigure known(const ingest::FigureMatch& match) const;
  const ingest::FigureIndex& index_;
  std::size_t per_lookup_;
};

}  // namespace chimera::orchestrate
