#include "chimera/sim/fault.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "chimera/util/json_text.hpp"

namespace chimera::sim {
namespace {

constexpr std::array<std::pair<FaultKind, const char*>, 14> kNames{{
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
    {FaultKind::kInflateTotal, "inflate_total"},
    {FaultKind::kNoNewline, "no_newline"},
    {FaultKind::kHtml200, "html_200"},
    {FaultKind::kEchoAuth, "echo_auth"},
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

std::string no_newline_piece(std::size_t bytes) {
  return std::string(bytes, 'x');
}

std::string html_200_page() {
  return "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n"
         "<body><h1>Sign in to continue</h1><form method=\"post\" action=\"/login\">"
         "<input name=\"user\"><input name=\"password\" type=\"password\"></form></body>"
         "</html>\n";
}

std::string echo_auth_body(bool ollama, std::string_view authorization) {
  const std::string message =
      fmt::format("invalid credentials: {}", authorization.empty() ? "(none)" : authorization);
  nlohmann::json body;
  if (ollama) {
    body["error"] = message;
  } else {
    body["error"] = {{"message", "Incorrect API key provided. " + message},
                     {"type", "invalid_request_error"},
                     {"code", "invalid_api_key"}};
  }
  return dump_json(body);
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
                                "malformed, zero_tokens, stall_first, stall_between, error_line, "
                                "inflate_total, no_newline, html_200, echo_auth)",
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
