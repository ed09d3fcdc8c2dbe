#pragma once
// The server's own statistics checked against what the client saw on the
// wire. A statistic that cannot be true (a negative count or duration, a
// duration longer than the whole exchange the client timed, far more tokens
// than text chunks received, a decode rate no server reaches) is moved out of
// `RequestResult::server` into `server_implausible`, raw, with a sentence in
// `server_warning`: no figure is ever built on it. docs/METRICS.md states the
// rule and its tolerances.

#include <cstdint>

#include "chimera/measure/request.hpp"

namespace chimera::measure {

// A server duration may exceed the client's own span of the exchange (t0 to
// the last byte) by this much: the server's clock and the client's run apart
// by a little, and the client stamps a chunk only when it reads it.
inline constexpr double kDurationToleranceMs = 50.0;
inline constexpr double kDurationToleranceFraction = 0.05;
// An output token count is plausible from one token per kChunksPerTokenMax
// text chunks up to kTokensPerChunkMax tokens per chunk (plus that many more
// for a stream whose last tokens carried no text).
inline constexpr std::int64_t kTokensPerChunkMax = 16;
inline constexpr std::int64_t kChunksPerTokenMax = 4;
// No server decodes one sequence faster than this (the fastest reach a few
// thousand tokens per second).
inline constexpr double kMaxDecodeTokensPerSecond = 1'000'000.0;

// Screens result.server against the timeline; statistics already screened
// out stay out (the call is idempotent).
void screen_server_stats(RequestResult& result, const Timeline& timeline);

}  // namespace chimera::measure
