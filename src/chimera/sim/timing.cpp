#include "chimera/sim/timing.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace chimera::sim {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t Random::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix64(state_);
}

std::uint64_t Random::below(std::uint64_t n) {
  return n == 0 ? 0 : next() % n;
}

double Random::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::int64_t estimate_prompt_tokens(std::size_t characters) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>((characters + 3) / 4));
}

double batch_factor(const ModelSpec& model, int batch) {
  if (!model.continuous_batching || batch <= 1) return 1.0;
  const auto& curve = model.batch_curve;
  if (curve.empty()) return 1.0 / (1.0 + model.batch_alpha * static_cast<double>(batch - 1));
  // Below the first point the curve starts from (1, 1).
  double b0 = 1, f0 = 1;
  for (const auto& [b1, f1] : curve) {
    if (batch <= b1) {
      if (b1 == b0) return f1;
      const double t = (static_cast<double>(batch) - b0) / (static_cast<double>(b1) - b0);
      return f0 + t * (f1 - f0);
    }
    b0 = b1;
    f0 = f1;
  }
  // Past the last point the engine is saturated: its aggregate rate stays flat.
  return f0 * b0 / static_cast<double>(batch);
}

std::int64_t shape_bucket(const ModelSpec& model, std::int64_t prompt_tokens) {
  const std::int64_t size = std::max<std::int64_t>(1, model.shape_bucket_tokens);
  return std::max<std::int64_t>(1, (prompt_tokens + size - 1) / size);
}

int batch_bucket(int batch) {
  if (batch < 2) return 0;
  int bucket = 2;
  while (bucket < batch) bucket *= 2;
  return bucket;
}

TimingPlan::TimingPlan(const ModelSpec& model, std::uint64_t request_seed, bool rate_limits)
    : model_(model), seed_(request_seed), rate_limits_(rate_limits) {}

double TimingPlan::jittered(double nanos, std::uint64_t salt) const {
  if (model_.jitter <= 0) return nanos;
  const double u = Random(mix64(seed_ ^ mix64(salt))).unit() * 2.0 - 1.0;
  return nanos * (1.0 + model_.jitter * u);
}

Nanos TimingPlan::load() const {
  if (!rate_limits_) return Nanos(0);
  return Nanos(static_cast<std::int64_t>(jittered(model_.load_ms * 1e6, 0x10ad)));
}

Nanos TimingPlan::prefill(std::int64_t prompt_tokens) const {
  if (!rate_limits_) return Nanos(0);
  const double nanos = static_cast<double>(prompt_tokens) / model_.prefill_tps * 1e9;
  return Nanos(static_cast<std::int64_t>(jittered(nanos, 0xf111)));
}

Nanos TimingPlan::token_gap(std::int64_t index, int batch) const {
  if (!rate_limits_) return Nanos(0);
  const double nanos = 1e9 / (model_.decode_tps * batch_factor(model_, batch));
  return Nanos(static_cast<std::int64_t>(
      jittered(nanos, 0x70c0000000000000ULL + static_cast<std::uint64_t>(index))));
}

Nanos TimingPlan::shape_penalty() const {
  if (!rate_limits_) return Nanos(0);
  return Nanos(static_cast<std::int64_t>(model_.shape_penalty_ms * 1e6));
}

Nanos TimingPlan::batch_penalty() const {
  if (!rate_limits_) return Nanos(0);
  return Nanos(static_cast<std::int64_t>(model_.batch_penalty_ms * 1e6));
}

Nanos TimingPlan::nominal_token_gap() const {
  return Nanos(static_cast<std::int64_t>(1e9 / model_.decode_tps));
}

std::optional<double> parse_keep_alive_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  // A bare number means seconds.
  double plain = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), plain);
  if (ec == std::errc() && end == text.data() + text.size()) return negative ? -plain : plain;

  while (!text.empty()) {
    double value = 0;
    auto [ptr, err] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (err != std::errc()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    double unit = 0;
    if (text.starts_with("ms")) {
      unit = 1e-3;
      text.remove_prefix(2);
    } else if (text.starts_with("h")) {
      unit = 3600;
      text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit = 60;
      text.remove_prefix(1);
    } else if (text.starts_with("s")) {
      unit = 1;
      text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total += value * unit;
  }
  return negative ? -total : total;
}

}  // namespace chimera::sim
