#pragma once
// The options `chimera bench` and `chimera sweep` share: where the server is,
// what to ask it, how often, and where the results go.

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "chimera/orchestrate/bench/bench_runner.hpp"
#include "chimera/orchestrate/bench/grid.hpp"
#include "chimera/orchestrate/common/timeouts.hpp"

namespace chimera::cli {

// --timeout-connect, --timeout-first-token, --timeout-idle, --timeout-total, in seconds.
struct TimeoutFlags {
  double connect_s = 0, first_token_s = 0, idle_s = 0, total_s = 0;
  static TimeoutFlags from(const backends::Timeouts& t);
  backends::Timeouts to_timeouts() const;
};
// `per` names what a limit applies to in the help text ("request", "call").
void add_timeout_options(CLI::App& app, TimeoutFlags& flags, const char* per);

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
  int warmup = 1;
  int concurrency = 1;
  bool cold = false;
  std::string keep_alive;
  TimeoutFlags timeouts = TimeoutFlags::from(orchestrate::bench_timeouts());
  double cold_threshold_ms = 500;
  std::vector<std::string> headers;  // "Name: value"
  std::string store = "chimera-results.sqlite";
  bool no_store = false;
  std::vector<std::string> outputs;
};

void add_bench_options(CLI::App& app, BenchCliOptions& options);

// The option axes from --option and the shortcut flags; UsageError when malformed.
std::vector<orchestrate::OptionAxis> option_axes(const BenchCliOptions& options);
// Prompts from --prompt and --prompt-file (one per line, blank lines skipped).
std::vector<std::string> load_prompts(const BenchCliOptions& options);
// The per-request part of the plan (everything but model and options).
orchestrate::RunPlan plan_template(const BenchCliOptions& options);

// "Name: value" from --header into `headers`; UsageError when malformed.
void add_header(std::map<std::string, std::string>& headers, const std::string& spec);

extern const char* const kMetricsHelp;

}  // namespace chimera::cli
