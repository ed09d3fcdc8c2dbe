#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>

#include "chimera/cli/commands.hpp"
#include "chimera/sim/config.hpp"
#include "chimera/sim/server.hpp"
#include "chimera/sim/timing.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/signals.hpp"

namespace chimera::cli {
namespace {

constexpr const char* kSimFooter = R"(Endpoints:
  Ollama  POST /api/generate  POST /api/chat  GET /api/tags  POST /api/show
          GET /api/ps  GET /api/version
  OpenAI  POST /v1/chat/completions  POST /v1/completions  GET /v1/models
  Truth   GET /sim/requests (what the simulator really did, per request)
          DELETE /sim/requests (clear)   GET /sim/stats (counters)
  Every generation response carries the header X-Sim-Request-Id; every
  response the header X-Chimera-Sim: <version>, and /api/version and
  /v1/models the field "chimera_sim": clients label what they measure here
  SIMULATED.

Fault injection (per request):
  header      X-Sim-Fault: KIND[;after=TOKENS][;ms=MILLISECONDS]
  model name  MODEL@fault=KIND[;after=N][;ms=M]   e.g. gemma3:latest@fault=drop;after=5
  per model   faults: [{kind: KIND, probability: P, after: N, ms: M}] in --config
  KIND: drop, http500, http503, truncate, malformed, zero_tokens, stall_first,
        stall_between, error_line

On start the first line on stdout is
  chimera sim: listening on http://HOST:PORT (ollama + openai)
SIGINT/SIGTERM stop it cleanly (exit 0). See docs/SIMULATOR.md.)";

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 11434;
  std::string config_path;
  std::vector<std::string> models;
  std::optional<int> parallel;
  std::optional<int> max_queue;
  std::optional<int> threads;
  std::optional<double> load_ms;
  std::optional<double> decode_tps;
  std::optional<double> prefill_tps;
  std::optional<double> jitter;
  std::optional<double> batch_penalty_ms;
  std::optional<std::uint64_t> seed;
  std::string rate_limits;
  bool no_delays = false;
  std::string keep_alive;
  bool log_requests = false;
};

sim::SimConfig build_config(const SimOptions& o) {
  sim::SimConfig config = sim::default_sim_config();
  if (!o.config_path.empty()) {
    config = value_or_throw(sim::load_sim_config(o.config_path));
  }
  for (auto& model : config.models) {
    if (o.load_ms) model.load_ms = *o.load_ms;
    if (o.decode_tps) model.decode_tps = *o.decode_tps;
    if (o.prefill_tps) model.prefill_tps = *o.prefill_tps;
    if (o.jitter) model.jitter = *o.jitter;
    if (o.batch_penalty_ms) model.batch_penalty_ms = *o.batch_penalty_ms;
  }
  for (const auto& flag : o.models) {
    value_or_throw<UsageError>(sim::apply_model_flag(config, flag));
  }
  if (o.parallel) config.parallel = *o.parallel;
  if (o.max_queue) config.max_queue = *o.max_queue;
  if (o.threads) config.threads = *o.threads;
  if (o.seed) config.seed = *o.seed;
  if (o.no_delays || o.rate_limits == "off") config.rate_limits = false;
  if (o.rate_limits == "on") config.rate_limits = true;
  if (!o.keep_alive.empty()) {
    auto seconds = sim::parse_keep_alive_seconds(o.keep_alive);
    if (!seconds)
      throw UsageError(fmt::format("--keep-alive '{}' is not a duration", o.keep_alive));
    config.keep_alive_s = *seconds;
  }
  if (o.log_requests) config.log_requests = true;
  return config;
}

int run_sim(const SimOptions& options) {
  sim::SimServer server(build_config(options));
  server.start(options.host, options.port);
  std::printf("chimera sim: listening on %s (ollama + openai)\n", server.url().c_str());
  std::fflush(stdout);
  for (const auto& m : server.config().models) {
    std::fprintf(stderr, "  model %s: load %.0f ms, prefill %.0f tok/s, decode %.1f tok/s%s\n",
                 m.name.c_str(), m.load_ms, m.prefill_tps, m.decode_tps,
                 server.config().rate_limits ? "" : " (rate limits off)");
  }

  std::mutex mutex;
  std::condition_variable stopped;
  const int wakeup = signals::add_wakeup([&] {
    std::lock_guard lock(mutex);
    stopped.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    stopped.wait(lock, [] { return signals::interrupted(); });
  }
  signals::remove_wakeup(wakeup);
  server.stop();
  std::fprintf(stderr, "chimera sim: stopped after %lld requests\n",
               static_cast<long long>(server.counters().requests));
  return kExitOk;
}

}  // namespace

Command add_sim_command(CLI::App& root, const GlobalOptions& /*globals*/) {
  auto options = std::make_shared<SimOptions>();
  auto* app = root.add_subcommand(
      "sim",
      "Run a simulated Ollama/OpenAI inference server (real HTTP; deterministic text; known "
      "timings; fault injection)");
  app->footer(kSimFooter);
  app->add_option("--host", options->host, "Address to listen on (loopback by default)")
      ->capture_default_str();
  app->add_option("--port", options->port, "Port 0-65535; 0 picks a free one (printed on stdout)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app->add_option("--config", options->config_path,
                  "YAML file: models, timings, faults (schema in docs/SIMULATOR.md)")
      ->check(CLI::ExistingFile);
  app->add_option("--model", options->models,
                  "Add or change a model: NAME[,key=value...] with keys load_ms, prefill_tps, "
                  "decode_tps, jitter, family, parameter_size, quantization, block_count, "
                  "context_length, size_bytes, batching (continuous|independent), batch_alpha, "
                  "batch_curve, shape_penalty_ms, shape_bucket_tokens, batch_penalty_ms "
                  "(repeatable)");
  app->add_option("--parallel", options->parallel, "Slots per model, like OLLAMA_NUM_PARALLEL (1)")
      ->check(CLI::PositiveNumber);
  app->add_option("--max-queue", options->max_queue,
                  "Waiting requests before 503, like OLLAMA_MAX_QUEUE (512)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--load-ms", options->load_ms, "Load time of every model, ms")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--decode-tps", options->decode_tps, "Decode rate of every model, tokens/s")
      ->check(CLI::PositiveNumber);
  app->add_option("--prefill-tps", options->prefill_tps, "Prefill rate of every model, tokens/s")
      ->check(CLI::PositiveNumber);
  app->add_option("--jitter", options->jitter,
                  "Scale each duration by 1 ± jitter·u (deterministic from the seed), in [0, 1)")
      ->check(CLI::Range(0.0, 0.999));
  app->add_option("--batch-penalty-ms", options->batch_penalty_ms,
                  "Continuous-batching models: extra time of the engine's first decode step at "
                  "a new batch size (buckets 2, 3-4, 5-8, ...), once per bucket per server")
      ->check(CLI::NonNegativeNumber);
  app->add_option(
      "--seed", options->seed,
      "Server seed; a request without options.seed/seed uses seed + request number (42)");
  app->add_option("--rate-limits", options->rate_limits,
                  "on: follow the timing model; off: no waits, stream as fast as possible")
      ->check(CLI::IsMember({"on", "off"}));
  app->add_flag("--no-delays", options->no_delays, "Same as --rate-limits off");
  app->add_option("--keep-alive", options->keep_alive,
                  "Default keep_alive (\"5m\", \"30s\", \"0\", \"-1\" = forever)");
  app->add_option("--threads", options->threads, "I/O threads (2)")->check(CLI::PositiveNumber);
  app->add_flag("--log-requests", options->log_requests, "One line per request on stderr");
  return Command{app, [options] { return run_sim(*options); }};
}

}  // namespace chimera::cli
