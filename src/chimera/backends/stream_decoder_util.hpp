#pragma once
// Small pieces shared by the stream decoders.

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/backends/stream_decoder.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::backends {

inline double nanoseconds_to_ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

// One JSON document of a stream (an NDJSON line, an SSE event's data),
// parsed by this thread's parser into its padded buffer. One parser per
// request would allocate its buffers again for every request, and
// parse(..., realloc_if_needed) allocates a padded copy of every line. The
// element stays valid until this thread parses the next document.
inline simdjson::error_code parse_stream_json(std::string_view text, simdjson::dom::element& out) {
  thread_local simdjson::dom::parser parser;
  thread_local std::vector<char> padded;
  if (padded.size() < text.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  }
  if (!text.empty()) std::memcpy(padded.data(), text.data(), text.size());
  std::memset(padded.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return parser.parse(padded.data(), text.size(), false).get(out);
}

// An integer field, accepting 12 and 12.0 alike; absent or null is 0.
inline std::int64_t int_field(simdjson::dom::object& object, std::string_view key) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return 0;
  if (std::int64_t i = 0; value.get(i) == simdjson::SUCCESS) return i;
  if (std::uint64_t u = 0; value.get(u) == simdjson::SUCCESS) return static_cast<std::int64_t>(u);
  // A server may send any number here: one past the range saturates (the
  // plausibility screen then refuses it) instead of overflowing the cast.
  if (double d = 0; value.get(d) == simdjson::SUCCESS) {
    if (d >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(d);
  }
  return 0;
}

// A short, valid UTF-8 excerpt of server bytes for a message.
inline std::string shown_excerpt(std::string_view bytes, std::size_t max_bytes = 120) {
  return util::sanitize_utf8(util::utf8_excerpt(bytes, max_bytes));
}

inline void mark_malformed(StreamState& state, std::string_view chunk) {
  state.error_kind = "malformed";
  state.error_message =
      "the server sent a chunk that is not valid JSON: '" + shown_excerpt(chunk) + "'";
}

inline void mark_oversized(StreamState& state, std::size_t limit, std::string_view what) {
  state.error_kind = "malformed";
  state.error_message = "the server sent " + std::string(what) + " longer than " +
                        std::to_string(limit) +
                        " bytes without a line break; the rest of the stream was not read "
                        "(the limit is the maximum line size)";
}

inline void mark_server_error(StreamState& state, std::string_view message) {
  state.error_kind = "server_error";
  state.error_message = "the server reported an error mid-stream: " + shown_excerpt(message, 2000);
}

}  // namespace chimera::backends
