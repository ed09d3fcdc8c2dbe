#pragma once
// The ranking of a sweep's configurations as a Markdown table, and the ranking
// types the sweep fills in (orchestrate/bench/sweep ranks).

#include <cstddef>
#include <string>
#include <vector>

#include "chimera/report/model.hpp"

namespace chimera::report {

enum class RankBy { kDecodeTps, kTtft, kScore };

struct RankOptions {
  RankBy by = RankBy::kDecodeTps;
  // For kScore: score = w_tps · tps/best_tps + w_ttft · best_ttft/ttft (both in 0..1).
  double weight_tps = 0.5;
  double weight_ttft = 0.5;
};

struct RankedConfiguration {
  std::size_t index;  // into report.configurations
  double decode_tps = 0, ttft_ms = 0;
  double score = 0;       // kScore only
  bool has_data = false;  // no warm ok request: ranked last
};

// Markdown table of the ranking (measured values, with their spread), then
// the unfinished configurations (interrupted inside) apart, unranked.
std::string ranking_table(const BenchReport& report,
                          const std::vector<RankedConfiguration>& ranking,
                          const RankOptions& options);

}  // namespace chimera::report
