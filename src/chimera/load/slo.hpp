#pragma once
// Service-level objectives (`--slo ttft=500ms,tpot=50ms,e2e=10s`) and whether
// a request met them. Goodput is the rate of ok requests that met every one.

#include <optional>
#include <string>
#include <string_view>

#include "chimera/measure/request.hpp"
#include "chimera/util/error.hpp"

namespace chimera::load {

struct Slo {
  std::optional<double> ttft_ms, tpot_ms, e2e_ms;
  bool empty() const { return !ttft_ms && !tpot_ms && !e2e_ms; }
};

// Comma-separated NAME=VALUE with NAME in ttft, tpot, e2e and a unit on every
// value: us (or µs), ms, s, m. Errors name the bad part and show the form.
Expected<Slo> parse_slo(std::string_view spec);
std::string to_string(const Slo& slo);  // "ttft=500ms,tpot=50ms,e2e=10000ms"

// An ok request met the SLO when each bound it sets holds (≤). A bound on a
// metric the request does not have (tpot of a one-token answer) is not held
// against it; a request that is not ok never meets an SLO.
bool meets(const Slo& slo, const measure::RequestResult& result);

}  // namespace chimera::load
