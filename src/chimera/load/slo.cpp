#include "chimera/load/slo.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <vector>

namespace chimera::load {
namespace {

constexpr const char* kForm = "write it as ttft=500ms,tpot=50ms,e2e=10s (units: us, ms, s, m)";

Expected<double> parse_duration_ms(std::string_view name, std::string_view value) {
  double number = 0;
  const auto* begin = value.data();
  const auto* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || ptr == begin) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("--slo {}={}: not a number; {}", name, value, kForm));
  }
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  double scale = 0;
  if (unit == "us" || unit == "\xC2\xB5s") scale = 1e-3;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1e3;
  if (unit == "m") scale = 60e3;
  if (scale == 0) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("--slo {}={}: {} unit; {}", name, value,
                            unit.empty() ? "no" : fmt::format("unknown '{}'", unit), kForm));
  }
  if (!std::isfinite(number) || number <= 0) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("--slo {}={}: give a positive time; {}", name, value, kForm));
  }
  return number * scale;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

}  // namespace

Expected<Slo> parse_slo(std::string_view spec) {
  if (spec.empty())
    return fail(FailureKind::kInvalidInput, fmt::format("--slo is empty; {}", kForm));
  Slo slo;
  for (std::string_view part : split(spec, ',')) {
    const auto eq = part.find('=');
    if (part.empty() || eq == std::string_view::npos) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("--slo '{}': expected NAME=VALUE; {}", part, kForm));
    }
    const std::string_view name = part.substr(0, eq);
    std::optional<double>* target = nullptr;
    if (name == "ttft") target = &slo.ttft_ms;
    if (name == "tpot") target = &slo.tpot_ms;
    if (name == "e2e") target = &slo.e2e_ms;
    if (target == nullptr) {
      return fail(
          FailureKind::kInvalidInput,
          fmt::format("--slo {}: unknown metric '{}'; choose ttft, tpot or e2e", part, name));
    }
    if (*target) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("--slo names {} twice; give each metric once", name));
    }
    auto ms = parse_duration_ms(name, part.substr(eq + 1));
    if (!ms) return std::unexpected(ms.error());
    *target = *ms;
  }
  return slo;
}

std::string to_string(const Slo& slo) {
  std::string out;
  auto add = [&](const char* name, const std::optional<double>& v) {
    if (!v) return;
    if (!out.empty()) out += ',';
    out += fmt::format("{}={:g}ms", name, *v);
  };
  add("ttft", slo.ttft_ms);
  add("tpot", slo.tpot_ms);
  add("e2e", slo.e2e_ms);
  return out;
}

bool meets(const Slo& slo, const measure::RequestResult& r) {
  if (r.status != measure::Status::kOk) return false;
  auto within = [](const std::optional<double>& bound, const std::optional<double>& value) {
    return !bound || !value || *value <= *bound;
  };
  // A request without a first token cannot have met a TTFT or e2e bound.
  if ((slo.ttft_ms || slo.e2e_ms) && (!r.ttft_ms || !r.e2e_ms)) return false;
  return within(slo.ttft_ms, r.ttft_ms) && within(slo.tpot_ms, r.tpot_ms) &&
         within(slo.e2e_ms, r.e2e_ms);
}

}  // namespace chimera::load
