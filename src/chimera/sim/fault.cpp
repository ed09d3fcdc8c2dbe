#include "chimera/sim/fault.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <utility>

namespace chimera::sim {
namespace {

constexpr std::array<std::pair<FaultKind, const char*>, 10> kNames{{
    {FaultKind::kNone, "none"},
    {FaultKind::kDrop, "drop"},
    {FaultKind::kHttp500, "http500"},
    {FaultKind::kHttp503, "http503"},
    {FaultKind::kTruncate, "truncate"},
    {FaultKind::kMalformed, "malformed"},
    {FaultKind::kZeroTokens, "zero_tokens"},
    {FaultKind::kStallFirst, "stall_first"},
    {FaultKind::kStallBetween, "stall_between"},
    {FaultKind::kErrorLine, "error_line"},
}};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Expected<std::int64_t> parse_count(std::string_view key, std::string_view value) {
  std::int64_t number = 0;
  const auto* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, number);
  if (ec != std::errc() || ptr != end || number < 0) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("fault parameter {}={} is not a non-negative integer", key, value));
  }
  return number;
}

}  // namespace

const char* to_string(FaultKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "none";
}

std::optional<FaultKind> fault_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kNames) {
    if (text == name) return k;
  }
  return std::nullopt;
}

std::int64_t FaultSpec::after_tokens(std::int64_t planned) const {
  if (after) return std::min(*after, planned);
  // Truncation defaults to losing only the ending; the others strike mid-stream.
  if (kind == FaultKind::kTruncate) return planned;
  return planned / 2;
}

std::int64_t FaultSpec::stall_ms() const {
  if (ms) return *ms;
  return kind == FaultKind::kStallFirst ? 1000 : 100;
}

std::string FaultSpec::describe() const {
  std::string text = to_string(kind);
  if (after) text += fmt::format(";after={}", *after);
  if (ms) text += fmt::format(";ms={}", *ms);
  return text;
}

Expected<FaultSpec> parse_fault(std::string_view text) {
  FaultSpec spec;
  bool first = true;
  while (true) {
    const auto cut = text.find_first_of(";,");
    const std::string_view part = trim(text.substr(0, cut));
    if (first) {
      auto kind = fault_kind_from_string(part);
      if (!kind) {
        return fail(FailureKind::kInvalidInput,
                    fmt::format("unknown fault '{}' (known: drop, http500, http503, truncate, "
                                "malformed, zero_tokens, stall_first, stall_between, error_line)",
                                part));
      }
      spec.kind = *kind;
      first = false;
    } else if (!part.empty()) {
      const auto eq = part.find('=');
      if (eq == std::string_view::npos) {
        return fail(FailureKind::kInvalidInput,
                    fmt::format("fault parameter '{}' is not key=value", part));
      }
      const auto key = trim(part.substr(0, eq));
      const auto value = trim(part.substr(eq + 1));
      auto number = parse_count(key, value);
      if (!number) return std::unexpected(number.error());
      if (key == "after") {
        spec.after = *number;
      } else if (key == "ms") {
        spec.ms = *number;
      } else {
        return fail(FailureKind::kInvalidInput,
                    fmt::format("unknown fault parameter '{}' (known: after, ms)", key));
      }
    }
    if (cut == std::string_view::npos) break;
    text.remove_prefix(cut + 1);
  }
  return spec;
}

Expected<ModelReference> split_model_reference(std::string_view name) {
  ModelReference ref;
  const auto at = name.find("@fault=");
  if (at == std::string_view::npos) {
    ref.model = std::string(name);
    return ref;
  }
  ref.model = std::string(name.substr(0, at));
  auto fault = parse_fault(name.substr(at + 7));
  if (!fault) return std::unexpected(fault.error());
  ref.fault = *fault;
  return ref;
}

}  // namespace chimera::sim
