#pragma once
// What the simulator serves and how fast: models with their timing model, the
// scheduler's slots and queue, and the switches that make it deterministic.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chimera/sim/fault.hpp"
#include "chimera/util/error.hpp"

namespace chimera::sim {

// A fault that strikes a share of a model's requests (drawn from the seed).
struct FaultRule {
  FaultSpec fault;
  double probability = 0.0;
};

struct ModelSpec {
  std::string name;  // as clients ask for it, "gemma3:latest"
  std::string family = "llama";
  std::string parameter_size = "8.0B";
  std::string quantization = "Q4_0";
  std::int64_t block_count = 32;  // layers, reported as model_info.<family>.block_count
  std::int64_t context_length = 8192;
  std::int64_t embedding_length = 4096;
  std::int64_t size_bytes = 4'661'224'676;
  double load_ms = 2500.0;      // paid on first use and on every reload
  double prefill_tps = 1500.0;  // prompt tokens per second
  double decode_tps = 78.0;     // generated tokens per second
  double jitter = 0.0;          // each duration is scaled by 1 ± jitter·u, u uniform in [-1, 1]
  std::vector<FaultRule> faults;

  // Engine behaviours of batching servers (vLLM, TGI, llama.cpp server):
  // continuous batching. Off, each slot decodes at decode_tps on its own. On,
  // the slots share one engine: with b requests decoding, each gets
  // decode_tps * batch_factor(b) and the engine b times that. The factor is
  // 1 / (1 + batch_alpha * (b - 1)) unless batch_curve gives points (b, factor),
  // interpolated linearly; past the last point the aggregate rate stays flat.
  bool continuous_batching = false;
  double batch_alpha = 0.25;
  std::vector<std::pair<int, double>> batch_curve;
  // The first request whose prompt falls into a new length bucket (prompt
  // tokens rounded up to a multiple of shape_bucket_tokens) pays
  // shape_penalty_ms of extra prefill, as an engine's first prefill of a
  // shape does (kernel compilation, graph capture). 0 disables it.
  double shape_penalty_ms = 0.0;
  std::int64_t shape_bucket_tokens = 256;
  // With continuous batching: the first time a request joining the batch
  // makes it b requests and b's bucket (2, 3-4, 5-8, ...: b rounded up to a
  // power of two) is one the engine has never run, the engine stalls for
  // batch_penalty_ms, once per bucket for the life of the server, as an
  // engine's first step at a new batch size does (kernel selection,
  // CUDA-graph capture, allocator growth). Every request decoding then waits
  // until the stall ends. 0 disables it.
  double batch_penalty_ms = 0.0;
};

struct SimConfig {
  std::vector<ModelSpec> models;
  int parallel = 1;         // slots per model, like OLLAMA_NUM_PARALLEL
  int max_queue = 512;      // waiting requests before 503, like OLLAMA_MAX_QUEUE
  bool rate_limits = true;  // false: no waiting at all, stream as fast as possible
  std::uint64_t seed = 42;
  double keep_alive_s = 300.0;     // default keep_alive; negative keeps models loaded forever
  int threads = 2;                 // I/O threads
  bool log_requests = false;       // one line per request on stderr
  std::string version = "0.12.6";  // reported by /api/version

  const ModelSpec* find_model(const std::string& name) const;
};

// gemma3:latest and llama3.1:8b-instruct-q4_0 with realistic timings.
SimConfig default_sim_config();

// Reads the YAML schema documented in docs/SIMULATOR.md on top of the defaults.
Expected<SimConfig> load_sim_config(const std::string& yaml_path);
Expected<SimConfig> parse_sim_config(const std::string& yaml_text, SimConfig base);

// Applies "key=value" to a model (load_ms, prefill_tps, decode_tps, jitter,
// family, parameter_size, quantization, block_count, context_length, size_bytes,
// batching = continuous|independent, batch_alpha, batch_curve = "1:1;2:0.9;4:0.7",
// shape_penalty_ms, shape_bucket_tokens, batch_penalty_ms).
Expected<void> set_model_field(ModelSpec& model, const std::string& key, const std::string& value);

// "--model NAME[,key=value...]": updates the model of that name or adds it.
Expected<void> apply_model_flag(SimConfig& config, const std::string& flag);

// "1:1;2:0.9;4:0.7" into (batch, factor) points; batches strictly increasing
// from 1 or more, factors in (0, 1].
Expected<std::vector<std::pair<int, double>>> parse_batch_curve(const std::string& text);

}  // namespace chimera::sim
