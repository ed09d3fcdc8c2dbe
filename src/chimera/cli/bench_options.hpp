#pragma once
// The options `chimera bench` and `chimera sweep` share: where the server is,
// what to ask it, how often, and where the results go.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chimera/orchestrate/bench/bench_runner.hpp"
#include "chimera/orchestrate/bench/grid.hpp"
#include "chimera/orchestrate/common/timeouts.hpp"
#include "chimera/store/store.hpp"

namespace chimera::cli {

// --timeout-connect, --timeout-first-token, --timeout-idle, --timeout-total, in seconds.
struct TimeoutFlags {
  double connect_s = 0, first_token_s = 0, idle_s = 0, total_s = 0;
  static TimeoutFlags from(const backends::Timeouts& t);
  backends::Timeouts to_timeouts() const;
};
// `per` names what a limit applies to in the help text ("request", "call").
// Each limit must be > 0: zero or a negative one would end every request at
// once or never.
void add_timeout_options(CLI::App& app, TimeoutFlags& flags, const char* per);
// --max-line-bytes: the longest stream line (NDJSON) or event (SSE) kept.
void add_max_line_bytes_option(CLI::App& app, std::size_t& max_line_bytes);

// --store-reconnect SECONDS (bench, sweep, worker), and the store options it gives.
void add_store_reconnect_option(CLI::App& app, double& seconds);
store::StoreOptions store_options(double reconnect_s);

struct BenchCliOptions {
  std::string endpoint;
  std::string backend;  // "", ollama, openai
  bool sim = false;
  std::string sim_config;
  std::vector<std::string> models;
  std::string api;
  std::vector<std::string> option_specs;  // NAME=V1,V2
  std::string num_gpu, num_ctx, temperature, top_p, top_k, repeat_penalty, seed, num_predict;
  std::vector<std::string> prompts;
  std::string prompt_file;
  std::string system;
  int runs = 5;
  std::optional<int> warmup;      // nullopt: at the measured load
  std::string concurrency = "1";  // N or a list N1,N2,...
  bool cold = false;
  // Open-loop load and workloads (see load/arrival.hpp, load/workload.hpp).
  std::string rate;  // R | R1,R2,... | sweep[:N]
  std::string arrival = "poisson";
  double burstiness = 1.0;
  std::uint64_t arrival_seed = 0;
  int max_concurrency = 0;
  std::optional<double> duration_s;
  std::optional<std::int64_t> requests;
  double ramp_up_s = 0;
  std::string slo;
  std::string input_tokens, output_tokens;
  std::int64_t prefix_tokens = 0;
  int turns = 1;
  std::string keep_alive;
  TimeoutFlags timeouts = TimeoutFlags::from(orchestrate::bench_timeouts());
  double cold_threshold_ms = 500;
  std::vector<std::string> headers;  // "Name: value"
  std::string store = "chimera-results.sqlite";
  bool no_store = false;
  double store_reconnect_s = 30;  // PostgreSQL: see store::StoreOptions
  std::vector<std::string> outputs;
  std::size_t max_line_bytes = std::size_t{1} << 20;
};

void add_bench_options(CLI::App& app, BenchCliOptions& options);

// The option axes from --option and the shortcut flags; UsageError when malformed.
std::vector<orchestrate::OptionAxis> option_axes(const BenchCliOptions& options);
// Prompts from --prompt and --prompt-file (one per line, blank lines skipped).
std::vector<std::string> load_prompts(const BenchCliOptions& options);
// The per-request part of the plan (everything but model and options).
orchestrate::RunPlan plan_template(const BenchCliOptions& options);

// The load levels from --concurrency and --rate lists (empty: one level, the
// plan's), and the number of rates of a `--rate sweep[:N]`.
struct LoadLevels {
  std::vector<orchestrate::LoadLevel> levels;
  std::optional<int> sweep_points;
};
LoadLevels load_levels(const BenchCliOptions& options);

// "Name: value" from --header into `headers`; UsageError when malformed.
void add_header(std::map<std::string, std::string>& headers, const std::string& spec);

extern const char* const kMetricsHelp;

}  // namespace chimera::cli
