#pragma once
// `chimera bench` and `chimera sweep` from the parsed command line to the
// results: the server (or a simulator), the results store, the measured run,
// and for a sweep the ranking and the recommended profile. The command layer
// only prints what this returns.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chimera/load/sweep.hpp"
#include "chimera/orchestrate/bench/benchmark.hpp"
#include "chimera/orchestrate/bench/sweep.hpp"

namespace chimera::orchestrate {

struct SweepSettings {
  std::string rank_by = "tps";  // tps | ttft | score
  std::string weights;          // tps=0.5,ttft=0.5
  std::string recommend_path;   // where the recommended profile snippet goes
  std::string profile_name = "sweep-best";
  bool fresh = false;        // do not resume an unfinished sweep
  std::string shard;         // --shard as given (I/N, N or auto); parsed into BenchSessionOptions
  bool distributed = false;  // register the cells for workers instead of running them
  bool status = false;       // show a distributed sweep's progress
  std::string sweep_id;      // for --status: the sweep (default: the latest)
  int permits = 1;           // --distributed: cells measuring one server at once
  // Recommend from a partial sweep (interrupted, or fewer configurations
  // finished than planned); without it a partial sweep recommends nothing.
  bool allow_partial = false;
};

struct BenchSessionOptions {
  std::vector<std::string> models;  // empty: gemma3:latest
  std::vector<OptionAxis> axes;
  RunPlan plan;  // everything per request but model and options
  std::string endpoint;
  std::string backend_kind;  // "", ollama, openai
  bool sim = false;
  std::string sim_config;
  double cold_threshold_ms = 500;
  std::size_t max_line_bytes = std::size_t{1} << 20;
  std::string store_url;  // empty: no store
  store::StoreOptions store_options;
  std::vector<std::string> outputs;
  std::optional<SweepSettings> sweep;
  // Load levels: every grid point is measured at each (closed-loop
  // concurrencies, open-loop rates; plan.open_loop is the rate's template).
  std::vector<LoadLevel> loads;
  // --rate sweep[:N]: a synchronous run, a throughput run, then N rates
  // between them, stopping at saturation (one grid point only).
  std::optional<int> rate_sweep_points;
  // --shard I/N: only the grid points whose position modulo N is I.
  std::optional<std::pair<int, int>> shard;
};

struct BenchSessionResult {
  BenchmarkOutcome outcome;
  RankOptions rank;
  std::vector<RankedConfiguration> ranking;  // sweep only
  std::string recommendation;                // sweep only: the profile YAML, when any has data
  SweepCoverage coverage;                    // sweep only: finished of planned configurations
  // Sweep only: why there is no recommendation (a partial sweep without
  // --allow-partial), or that the one given is partial; empty otherwise.
  std::string recommendation_note;
  std::string store_description;  // empty without a store
  // The final --output files that could not be written, one message each.
  std::vector<std::string> export_failures;
};

// A client for the session's server at `url`, checked to answer; Error when
// it does not. `simulator`: the server said it is Chimera's simulator.
struct ConnectedServer {
  std::unique_ptr<backends::Backend> backend;
  bool simulator = false;
};
ConnectedServer connect_backend(const BenchSessionOptions& options, const std::string& url);

// Throws UsageError for contradictory options, Error when the server or the
// store cannot be reached.
BenchSessionResult run_bench_session(const BenchSessionOptions& options);

// The --json document: the report, the run id and, for a sweep, the ranking.
nlohmann::json to_json(const BenchSessionResult& result, const BenchSessionOptions& options);

}  // namespace chimera::orchestrate
