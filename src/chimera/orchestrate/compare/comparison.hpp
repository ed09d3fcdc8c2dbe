#pragma once
// `chimera compare`: baseline vs candidate(s) over raw per-request samples —
// from a JSONL export, a `chimera run` output directory, or a run in the
// results store — with the difference of means, its confidence interval,
// Welch's t-test, Mann–Whitney U and a plain verdict per metric.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chimera/measure/request.hpp"
#include "chimera/report/comparison.hpp"
#include "chimera/report/model.hpp"
#include "chimera/stats/compare.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

struct SampleSet {
  std::string label;
  bool simulated = false;
  // Per metric, the values of the measured, successful, warm requests.
  std::map<report::Metric, std::vector<double>> values;
  std::size_t requests = 0;  // measured requests read
  std::size_t excluded = 0;  // warm-up, failed, empty or cold: not compared
};

// Accepted forms (a `#SELECTOR` may follow each):
//   FILE.jsonl            requests, one JSON object per line (bench --output x.jsonl,
//                         or a run directory's requests.jsonl)
//   DIR                   a `chimera run` output directory (its requests.jsonl)
//   STORE.sqlite#RUN      a run in a results store (also sqlite:PATH#RUN)
// Selectors: `#agent=NAME` and `#phase=NAME` (run directories; phase defaults to
// "concurrent"), `#config=KEY_OR_LABEL` (a configuration), `#RUN` (store).
Expected<SampleSet> load_samples(const std::string& spec);

// The agents of a `chimera run` directory, in the order the run listed them.
Expected<std::vector<std::string>> run_directory_agents(const std::string& dir);

using report::CandidateComparison;
using report::ComparisonReport;
using report::MetricComparison;

ComparisonReport compare_sets(const SampleSet& baseline, const std::vector<SampleSet>& candidates,
                              const std::vector<report::Metric>& metrics, double confidence);

}  // namespace chimera::orchestrate
