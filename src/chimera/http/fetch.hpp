#pragma once
// Blocking requests for small JSON exchanges (version, tags, show, unload).
// Streams go through Client instead.

#include <map>
#include <string>
#include <vector>

#include "chimera/util/error.hpp"

namespace chimera::http {

struct FetchRequest {
  std::string method = "GET";  // GET | POST | DELETE
  std::string url;
  std::string body;                  // sent as application/json when not empty
  std::vector<std::string> headers;  // "Name: value"
  double connect_timeout_ms = 5000;
  double total_timeout_ms = 30000;
};

struct FetchResponse {
  int status = 0;
  std::string body;
  double elapsed_ms = 0;  // from hand-over to the last byte
};

// Any HTTP status is a response; only transport failures are Failures:
// kConnect (refused, unreachable, DNS), kTimeout, kError (anything else).
// Failure messages carry curl's explanation and never the request headers.
Expected<FetchResponse> fetch(const FetchRequest& request);

}  // namespace chimera::http
