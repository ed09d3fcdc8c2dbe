#pragma once
// Runs one configuration against a backend: warm-up requests at the measured
// load (warmup_load.hpp), then N measured requests with up to `concurrency`
// in flight. Results are handed over one by
// one as they finish (to the store and the accumulators), never collected in an
// ever-growing vector, so a 100,000-request bench keeps flat memory.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chimera/backends/backend.hpp"
#include "chimera/load/arrival.hpp"
#include "chimera/load/slo.hpp"
#include "chimera/load/workload.hpp"
#include "chimera/measure/request.hpp"

namespace chimera::orchestrate {

struct RunPlan {
  std::string model;
  std::string api;  // empty: the backend's default
  nlohmann::json options = nlohmann::json::object();
  std::vector<std::string> prompts;  // used in turn; at least one
  std::string system;
  // Warm-up requests before measuring, not counted; nullopt: at the measured
  // load (warmup_load.hpp has the rule).
  std::optional<int> warmup;
  int runs = 5;  // measured requests
  // Closed loop for a time instead: keep `concurrency` in flight, sending no
  // new request once this many seconds passed (those in flight finish).
  std::optional<double> closed_loop_s;
  int concurrency = 1;  // measured requests in flight at once
  bool cold = false;    // unload the model before each measured request
  std::optional<std::string> keep_alive;
  backends::Timeouts timeouts;
  std::map<std::string, std::string> headers;
  std::string id_prefix;  // request ids are "<prefix>-w<i>" / "<prefix>-<i>"

  // Open loop (--rate): requests go out when the schedule says, whatever is
  // in flight (up to its max_concurrency); runs and concurrency are then unused.
  std::optional<load::OpenLoopSpec> open_loop;
  std::optional<load::Slo> slo;  // for goodput
  // What each measured request asks, first match wins: prompt-file records
  // (JSONL), synthetic prompts of a length in tokens, else `prompts` in turn.
  std::vector<load::PromptRecord> prompt_records;
  std::optional<load::SyntheticWorkload> synthetic;
  // --output-tokens with a prompt file or plain prompts.
  std::optional<load::LengthSpec> output_tokens;
  std::uint64_t workload_seed = 0;
  // --turns K (> 1): `runs` conversations of K turns, `concurrency` of them at
  // once; each turn sends the conversation so far and a new user message of
  // `turn_user_tokens` tokens (chat API), as an agent loop does. Closed loop.
  int turns = 1;
  std::int64_t turn_user_tokens = 32;
};

struct RunOutcome {
  int measured = 0;  // measured requests that finished (any status)
  int failed = 0;    // of those, error or empty
  bool interrupted = false;
  // e.g. "could not unload before run 3: ...", a warm-up below the measured load
  std::vector<std::string> notes;
  // {"throughput", "schedule" (open loop), "conventions", "mode", "turns"
  // (--turns: per turn, TTFT and the server's prompt tokens)}: streamed
  // aggregates of the measured requests (load::LoadRecorder and friends).
  nlohmann::json load = nlohmann::json::object();
};

// `on_result` runs on the calling thread, in completion order, for warm-up and
// measured requests alike (RequestResult::warmup tells them apart). Returns
// when every request finished or, after Ctrl-C, when the in-flight ones were
// cancelled (those are not reported: they were not measured).
// `on_flush`, when set, runs before the runner waits for completions, when
// results came in and either kFlushEvery passed since it last ran or
// kFlushResults of them are waiting: within kFlushEvery of any result, in
// groups small enough that writing them (a store's transaction) does not
// stall the requests in flight. The caller flushes once more after run_plan
// returns.
inline constexpr std::chrono::milliseconds kFlushEvery{20};
inline constexpr int kFlushResults = 64;
RunOutcome run_plan(backends::Backend& backend, const RunPlan& plan,
                    const std::function<void(const measure::RequestResult&)>& on_result,
                    const std::function<void()>& on_flush = {});

}  // namespace chimera::orchestrate
