#include "chimera/ingest/metric_names.hpp"

#include <array>

namespace chimera::ingest {
namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The last path component of a flattened JSON key ("a.b[0].mean_ms" -> "mean_ms").
std::string_view last_component(std::string_view name) {
  const auto dot = name.find_last_of(".]");
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

std::string unit_from_suffix(std::string_view n) {
  if (ends_with(n, "_ms") || ends_with(n, "(ms)") || ends_with(n, " ms")) return "ms";
  if (ends_with(n, "_us") || ends_with(n, "(us)")) return "us";
  if (ends_with(n, "_ns") || ends_with(n, "(ns)")) return "ns";
  if (ends_with(n, "_s") || ends_with(n, "_sec") || ends_with(n, "_seconds") ||
      ends_with(n, "(s)") || ends_with(n, " s"))
    return "s";
  if (ends_with(n, "_pct") || ends_with(n, "_percent") || ends_with(n, "(%)") || ends_with(n, "%"))
    return "%";
  if (ends_with(n, "_mb")) return "MB";
  if (ends_with(n, "_gb")) return "GB";
  return {};
}

}  // namespace

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const char* to_string(Direction direction) {
  switch (direction) {
    case Direction::kHigherIsBetter:
      return "higher_is_better";
    case Direction::kLowerIsBetter:
      return "lower_is_better";
    case Direction::kNone:
      break;
  }
  return "none";
}

MetricInfo classify_metric(std::string_view full_name) {
  const std::string lowered = lowercase(last_component(full_name));
  const std::string_view n = lowered;
  MetricInfo info;
  if (n.empty()) return info;

  const bool throughput = contains(n, "tokens_s") || contains(n, "tokens_per_s") ||
                          contains(n, "tok_s") || contains(n, "tok/s") || contains(n, "tokens/s") ||
                          contains(n, "throughput") || n == "tps" || ends_with(n, "_tps") ||
                          contains(n, "per_second") || contains(n, "tokens_per_sec") ||
                          contains(n, "it/s") || contains(n, "samples_s");
  if (throughput) {
    info.is_metric = true;
    info.unit = contains(n, "samples") ? "samples/s" : "tokens/s";
    if (contains(n, "per_second") && !contains(n, "token")) info.unit = "1/s";
    info.direction = Direction::kHigherIsBetter;
    info.is_key = !starts_with(n, "std") && !contains(n, "_std");
    return info;
  }
  const bool ttft = contains(n, "ttft") || contains(n, "time_to_first");
  const bool time_like = ttft || contains(n, "latency") || contains(n, "duration") ||
                         contains(n, "time") || contains(n, "elapsed") || contains(n, "load_s") ||
                         contains(n, "tpot") || contains(n, "itl") || contains(n, "overhead") ||
                         contains(n, "e2e") || contains(n, "wall");
  std::string unit = unit_from_suffix(n);
  if (time_like || unit == "ms" || unit == "us" || unit == "ns" ||
      (unit == "s" && !contains(n, "count"))) {
    if (contains(n, "timestamp") || contains(n, "time_of") || n == "time" || ends_with(n, "_at"))
      return info;
    info.is_metric = true;
    info.unit = unit;
    info.direction = Direction::kLowerIsBetter;
    info.is_key = ttft && !starts_with(n, "std") && !contains(n, "_std");
    return info;
  }
  if (contains(n, "speedup") || contains(n, "efficiency") || contains(n, "success_rate") ||
      contains(n, "accuracy") || contains(n, "hit_rate")) {
    info.is_metric = true;
    info.unit = unit;
    info.direction = Direction::kHigherIsBetter;
    return info;
  }
  if (contains(n, "error_rate") || contains(n, "failure_rate") || contains(n, "memory") ||
      contains(n, "vram") || ends_with(n, "_mb") || ends_with(n, "_gb")) {
    info.is_metric = true;
    info.unit = unit;
    info.direction = Direction::kLowerIsBetter;
    return info;
  }
  return info;
}

bool is_configuration_name(std::string_view full_name) {
  const std::string n = lowercase(last_component(full_name));
  static constexpr std::array<std::string_view, 24> kNames = {
      "num_gpu", "num_ctx",     "temperature",  "top_p",     "top_k",  "repeat_penalty",
      "seed",    "num_predict", "num_thread",   "num_batch", "model",  "model_name",
      "tag",     "quant",       "quantization", "backend",   "config", "config_name",
      "profile", "batch_size",  "concurrency",  "device",    "dtype",  "precision"};
  for (auto name : kNames) {
    if (n == name) return true;
  }
  return starts_with(n, "config") || ends_with(n, "_config") || starts_with(n, "num_parallel");
}

bool is_completion_count_name(std::string_view full_name) {
  const std::string n = lowercase(last_component(full_name));
  return n == "completed" || n == "completed_requests" || n == "num_completed" ||
         n == "successful_requests" || n == "successful" || n == "completed_prompts" ||
         n == "ok_count" || n == "successes";
}

bool is_planned_count_name(std::string_view full_name) {
  const std::string n = lowercase(last_component(full_name));
  return n == "prompt_count" || n == "total_requests" || n == "num_prompts" || n == "requests" ||
         n == "total" || n == "planned" || n == "num_requests" || n == "runs";
}

bool is_error_column_name(std::string_view full_name) {
  const std::string n = lowercase(last_component(full_name));
  return n == "error" || n == "errors" || n == "error_message" || n == "err" || n == "exception" ||
         n == "failure" || n == "failure_reason";
}

bool is_token_column_name(std::string_view full_name) {
  const std::string n = lowercase(last_component(full_name));
  return n == "eval_count" || n == "output_tokens" || n == "completion_tokens" || n == "tokens" ||
         n == "generated_tokens" || n == "total_tokens" || n == "tokens_s" || n == "tokens_per_s";
}

}  // namespace chimera::ingest
