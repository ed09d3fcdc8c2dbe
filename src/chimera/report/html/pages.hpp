#pragma once
// The HTML pages (internal to report/; the html reporter writes the bench and
// sweep page, `chimera compare` the comparison page).

#include <ostream>
#include <string>
#include <vector>

#include "chimera/report/html/charts.hpp"
#include "chimera/report/reporter.hpp"

namespace chimera::report::html {

// Bench and sweep results: failures first, then the ranking and the latency
// distributions, then every configuration's tables. The distributions come
// from `requests` when they can be replayed, else from the summaries.
void write_bench_page(const BenchReport& report, const RequestSource& requests, std::ostream& out);

struct ComparePage {
  std::string title = "Comparison";
  std::string baseline{};
  bool simulated = false;
  std::vector<CompareRow> rows{};
  std::vector<std::string> notes{};
};

void write_compare_page(const ComparePage& page, std::ostream& out);

}  // namespace chimera::report::html
