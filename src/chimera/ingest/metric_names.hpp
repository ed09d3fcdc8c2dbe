#pragma once
// What a column or JSON key name says about its values: is it a performance
// metric, in which unit, and is more better or worse? Only the name is used,
// so the same rules apply to CSV headers, JSON keys and Markdown tables.

#include <string>
#include <string_view>

namespace chimera::ingest {

enum class Direction { kNone, kHigherIsBetter, kLowerIsBetter };
const char* to_string(Direction direction);

struct MetricInfo {
  bool is_metric = false;
  std::string unit;  // "tokens/s", "s", "ms", "%", ... or empty when the name does not say
  Direction direction = Direction::kNone;
  // Throughput and time-to-first-token: the figures users ask about first.
  bool is_key = false;
};

MetricInfo classify_metric(std::string_view name);

// Names of options and identities that distinguish the rows of a sweep
// (num_gpu, num_ctx, temperature, model, config_name, backend, ...).
bool is_configuration_name(std::string_view name);

// Names that count completed work ("completed", "successful_requests", ...).
bool is_completion_count_name(std::string_view name);
// Names that hold the planned amount of work ("prompt_count", "total_requests", ...).
bool is_planned_count_name(std::string_view name);
bool is_error_column_name(std::string_view name);
// Names that count generated tokens ("eval_count", "output_tokens", "tokens_s", ...).
bool is_token_column_name(std::string_view name);

std::string lowercase(std::string_view text);

}  // namespace chimera::ingest
