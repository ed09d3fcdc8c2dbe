#pragma once
// The server's statistics against the client's clock. A server cannot have
// worked on a request longer than the client waited for its answer: a
// reported total_duration above the client's end-to-end time, beyond the
// tolerance, means the server's statistics are not to be trusted as timings.

#include <optional>
#include <string>

#include "chimera/measure/request.hpp"

namespace chimera::measure {

// The tolerance: the server's total may exceed the client's end-to-end time by
// this share of it plus this many milliseconds (the final statistics chunk is
// written after the last text chunk, and clocks differ a little).
inline constexpr double kServerTotalToleranceShare = 0.10;
inline constexpr double kServerTotalToleranceMs = 5.0;

// "10% of the client's end-to-end time + 5 ms"
std::string server_total_tolerance_text();

struct ClockDisagreement {
  double server_total_ms = 0;  // the server's total_duration
  double client_e2e_ms = 0;    // the client's end-to-end time
};

// The request's figures when its server total exceeds its client end-to-end
// time beyond the tolerance; nothing when they agree or either is missing. A
// total already set apart as implausible (server_implausible) is compared as
// the server reported it: it enters no figure, but the warning names it.
std::optional<ClockDisagreement> server_total_exceeds_client(const RequestResult& result);

}  // namespace chimera::measure
