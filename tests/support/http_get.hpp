#pragma once
// A plain blocking HTTP request for tests (libcurl easy), independent of the
// project's own client, to read the simulator's truth.

#include <string>

namespace chimera::testing {

struct HttpResponse {
  long status = 0;
  std::string body;
};

HttpResponse http_request(const std::string& method, const std::string& url,
                          const std::string& body = "");

}  // namespace chimera::testing
