#pragma once
// The timing model of one request: how long loading, prefill and each decoded
// token should take. Every draw is a pure function of the request seed, so a
// run can be repeated exactly; jitter 0 gives the nominal rates.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "chimera/sim/config.hpp"

namespace chimera::sim {

using Nanos = std::chrono::nanoseconds;

// splitmix64: small, fast and good enough for jitter and text choices.
std::uint64_t mix64(std::uint64_t x);

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n)
  double unit();                         // uniform in [0, 1)

 private:
  std::uint64_t state_;
};

// Prompt tokens estimated from text length (~4 characters per token, at least 1).
std::int64_t estimate_prompt_tokens(std::size_t characters);

// The share of decode_tps each of `batch` requests decoding together gets
// (1 for batch <= 1, and always 1 without continuous batching).
double batch_factor(const ModelSpec& model, int batch);

// The prompt-length bucket of a request: prompt tokens rounded up to a
// multiple of the model's shape_bucket_tokens, as a multiple (1, 2, ...).
std::int64_t shape_bucket(const ModelSpec& model, std::int64_t prompt_tokens);

// The batch-size bucket of `batch` requests decoding at once: the smallest
// power of two >= batch (2, 4, 8, ...); 0 for a single request (no batch).
int batch_bucket(int batch);

class TimingPlan {
 public:
  TimingPlan(const ModelSpec& model, std::uint64_t request_seed, bool rate_limits);

  Nanos load() const;
  Nanos prefill(std::int64_t prompt_tokens) const;
  // Time between token `index - 1` (or the end of prefill, for index 0) and
  // token `index`, with `batch` requests decoding on the model's engine.
  Nanos token_gap(std::int64_t index, int batch = 1) const;
  // The extra prefill a request pays when it is the first of its shape.
  Nanos shape_penalty() const;
  // The extra time of the engine's first decode step in a new batch-size bucket.
  Nanos batch_penalty() const;
  Nanos nominal_token_gap() const;

 private:
  double jittered(double nanos, std::uint64_t salt) const;
  const ModelSpec& model_;
  std::uint64_t seed_;
  bool rate_limits_;
};

// Ollama's keep_alive: a number of seconds or a Go duration ("5m", "30s",
// "1h30m", "0"); negative keeps the model loaded forever. nullopt if unreadable.
std::optional<double> parse_keep_alive_seconds(std::string_view text);

}  // namespace chimera::sim
