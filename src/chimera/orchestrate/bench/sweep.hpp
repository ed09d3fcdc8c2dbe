#pragma once
// What a sweep adds to a benchmark: ranking the configurations (by decode
// tokens/s, by TTFT, or by a weighted score of both), the recommended profile
// as a config snippet, and the num_gpu-beyond-layers warning.

#include <optional>
#include <string>
#include <vector>

#include "chimera/orchestrate/bench/grid.hpp"
#include "chimera/report/model.hpp"
#include "chimera/report/sweep_ranking.hpp"

namespace chimera::orchestrate {

using report::RankBy;
using report::RankedConfiguration;
using report::RankOptions;

// "tps" | "ttft" | "score"; weights "tps=0.7,ttft=0.3".
std::optional<RankBy> rank_by_from_string(const std::string& text);
Expected<RankOptions> parse_weights(const std::string& spec, RankOptions base);

// Only finished configurations are ranked: one the run was interrupted inside
// holds part of its requests and is listed apart (report::ranking_table).
std::vector<RankedConfiguration> rank_configurations(const report::BenchReport& report,
                                                     const RankOptions& options);

// How much of the planned grid a sweep finished. Partial when it was
// interrupted or fewer configurations finished than were planned.
struct SweepCoverage {
  std::size_t planned = 0;
  std::size_t finished = 0;
  bool interrupted = false;
  bool partial() const { return interrupted || finished < planned; }
};
SweepCoverage sweep_coverage(const report::BenchReport& report, std::size_t planned,
                             bool interrupted);

// A `profiles:` YAML snippet for the best configuration, loadable with --config;
// from a partial sweep it says so in its header and description.
std::string recommended_profile_yaml(const report::BenchReport& report,
                                     const RankedConfiguration& best, const RankOptions& options,
                                     const std::string& profile_name,
                                     const SweepCoverage& coverage);

// When num_gpu values exceed the model's layer count, those values all mean
// "full offload": returns the warning, or nothing.
std::optional<std::string> num_gpu_warning(const std::vector<OptionAxis>& axes,
                                           const std::string& model, int layers);

}  // namespace chimera::orchestrate
