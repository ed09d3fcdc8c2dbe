#pragma once
// The comparison of a baseline with its candidates as Markdown (the file
// `chimera compare` writes and prints) and as JSON.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chimera/report/model.hpp"
#include "chimera/stats/compare.hpp"

namespace chimera::report {

struct MetricComparison {
  Metric metric;
  stats::Comparison comparison;
  std::string verdict;
};

struct CandidateComparison {
  std::string candidate;
  std::vector<MetricComparison> metrics;
};

struct ComparisonReport {
  std::string baseline;
  bool simulated = false;
  std::vector<CandidateComparison> candidates;
  std::vector<std::string> notes;
};

std::string render_comparison_markdown(const ComparisonReport& report, const std::string& title);
nlohmann::json to_json(const ComparisonReport& report);

}  // namespace chimera::report
