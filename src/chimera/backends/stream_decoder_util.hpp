#pragma once
// Small pieces shared by the stream decoders.

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "chimera/backends/stream_decoder.hpp"

namespace chimera::backends {

inline double nanoseconds_to_ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

// An integer field, accepting 12 and 12.0 alike; absent or null is 0.
inline std::int64_t int_field(simdjson::dom::object& object, std::string_view key) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return 0;
  if (std::int64_t i = 0; value.get(i) == simdjson::SUCCESS) return i;
  if (std::uint64_t u = 0; value.get(u) == simdjson::SUCCESS) return static_cast<std::int64_t>(u);
  if (double d = 0; value.get(d) == simdjson::SUCCESS) return static_cast<std::int64_t>(d);
  return 0;
}

inline void mark_malformed(StreamState& state, std::string_view chunk) {
  constexpr std::size_t kShown = 120;
  state.error_kind = "malformed";
  state.error_message = "the server sent a chunk that is not valid JSON: '" +
                        std::string(chunk.substr(0, kShown)) +
                        (chunk.size() > kShown ? "...'" : "'");
}

}  // namespace chimera::backends
