#pragma once
// Blocking requests for small JSON exchanges (version, tags, show, unload).
// Streams go through Client instead.

#include <map>
#include <string>
#include <vector>

#include "chimera/http/client.hpp"
#include "chimera/util/error.hpp"

namespace chimera::http {

struct FetchRequest {
  std::string method = "GET";  // GET | POST | DELETE
  std::string url;
  std::string body;                  // sent as application/json when not empty
  std::vector<std::string> headers;  // "Name: value"
  // Every phase is bounded (0 disables one): connect; first_token_ms is the
  // wait for the first byte of the answer; idle_ms the longest pause between
  // bytes; total_ms the whole exchange. First-byte and idle limits are checked
  // at least once a second.
  TransferTimeouts timeouts{5000, 30000, 30000, 30000};
  // A larger answer fails (kProtocol) instead of growing memory without bound.
  std::size_t max_body_bytes = std::size_t{16} << 20;
};

struct FetchResponse {
  int status = 0;
  std::string body;
  double elapsed_ms = 0;  // from hand-over to the last byte
  // Where a 3xx answer points (resolved against the request URL); redirects
  // are never followed.
  std::string redirect_url;
};

// Any HTTP status is a response; only transport failures are Failures:
// kConnect (refused, unreachable, DNS), kTimeout (the message says which
// limit), kProtocol (an answer over max_body_bytes), kError (anything else).
// Failure messages carry curl's explanation and never the request headers.
Expected<FetchResponse> fetch(const FetchRequest& request);

}  // namespace chimera::http
