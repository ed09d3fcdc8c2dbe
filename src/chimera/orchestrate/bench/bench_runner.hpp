#pragma once
// Runs one configuration against a backend: warm-up requests, then N measured
// requests with up to `concurrency` in flight. Results are handed over one by
// one as they finish (to the store and the accumulators), never collected in an
// ever-growing vector, so a 100,000-request bench keeps flat memory.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chimera/backends/backend.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::orchestrate {

struct RunPlan {
  std::string model;
  std::string api;  // empty: the backend's default
  nlohmann::json options = nlohmann::json::object();
  std::vector<std::string> prompts;  // used in turn; at least one
  std::string system;
  int warmup = 1;       // requests before measuring (they load the model); not counted
  int runs = 5;         // measured requests
  int concurrency = 1;  // measured requests in flight at once
  bool cold = false;    // unload the model before each measured request
  std::optional<std::string> keep_alive;
  backends::Timeouts timeouts;
  std::map<std::string, std::string> headers;
  std::string id_prefix;  // request ids are "<prefix>-w<i>" / "<prefix>-<i>"
};

struct RunOutcome {
  int measured = 0;  // measured requests that finished (any status)
  int failed = 0;    // of those, error or empty
  bool interrupted = false;
  std::vector<std::string> notes;  // e.g. "could not unload before run 3: ..."
};

// `on_result` runs on the calling thread, in completion order, for warm-up and
// measured requests alike (RequestResult::warmup tells them apart). Returns
// when every request finished or, after Ctrl-C, when the in-flight ones were
// cancelled (those are not reported: they were not measured).
RunOutcome run_plan(backends::Backend& backend, const RunPlan& plan,
                    const std::function<void(const measure::RequestResult&)>& on_result);

}  // namespace chimera::orchestrate
