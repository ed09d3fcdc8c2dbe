#include "chimera/measure/agreement.hpp"

#include <fmt/format.h>

namespace chimera::measure {

std::string server_total_tolerance_text() {
  return fmt::format("{:g}% of the client's end-to-end time + {:g} ms",
                     kServerTotalToleranceShare * 100, kServerTotalToleranceMs);
}

std::optional<ClockDisagreement> server_total_exceeds_client(const RequestResult& result) {
  if (!result.server.total_ms || !result.e2e_ms) return std::nullopt;
  const double server = *result.server.total_ms;
  const double client = *result.e2e_ms;
  const double allowed = client * (1 + kServerTotalToleranceShare) + kServerTotalToleranceMs;
  if (!(server > allowed)) return std::nullopt;
  return ClockDisagreement{server, client};
}

}  // namespace chimera::measure
