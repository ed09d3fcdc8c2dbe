#pragma once
// What the simulator serves and how fast: models with their timing model, the
// scheduler's slots and queue, and the switches that make it deterministic.

#include <cstdint>
#include <optional>
#include <string>
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
// family, parameter_size, quantization, block_count, context_length, size_bytes).
Expected<void> set_model_field(ModelSpec& model, const std::string& key, const std::string& value);

// "--model NAME[,key=value...]": updates the model of that name or adds it.
Expected<void> apply_model_flag(SimConfig& config, const std::string& flag);

}  // namespace chimera::sim
