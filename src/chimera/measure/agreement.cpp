#include "chimera/measure/agreement.hpp"

#include <fmt/format.h>

namespace chimera::measure {

std::string server_total_tolerance_text() {
  return fmt::format("{:g}% of the client's end-to-end time + {:g} ms",
                     kServerTotalToleranceShare * 100, kServerTotalToleranceMs);
}

std::optional<ClockDisagreement> server_total_exceeds_client(const RequestResult& result) {
  // A total the plausibility screen set apart is compared as reported.
  std::optional<double> total = result.server.total_ms;
  if (!total && result.server_implausible.is_object()) {
    const auto raw = result.server_implausible.find("total_ms");
    if (raw != result.server_implausible.end() && raw->is_number()) total = raw->get<double>();
  }
  if (!total || !result.e2e_ms) return std::nullopt;
  const double server = *total;
  const double client = *result.e2e_ms;
  const double allowed = client * (1 + kServerTotalToleranceShare) + kServerTotalToleranceMs;
  if (!(server > allowed)) return std::nullopt;
  return ClockDisagreement{server, client};
}

}  // namespace chimera::measure
