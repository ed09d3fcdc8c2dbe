#pragma once
// Small blocking JSON calls (version, tags, show, unload, models) with the
// same failure wording as streamed requests.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chimera/backends/generation.hpp"
#include "chimera/util/error.hpp"

namespace chimera::backends {

struct JsonCall {
  std::string method = "GET";
  std::string url;
  nlohmann::json body;  // null: no body
  std::vector<std::string> headers;
  std::string model;  // for the "model not found" wording
  Timeouts timeouts{5000, 30000, 30000, 30000};
};

inline JsonCall get_call(std::string url, std::vector<std::string> headers = {}) {
  JsonCall call;
  call.url = std::move(url);
  call.headers = std::move(headers);
  return call;
}

inline JsonCall post_call(std::string url, nlohmann::json body, std::string model) {
  JsonCall call;
  call.method = "POST";
  call.url = std::move(url);
  call.body = std::move(body);
  call.model = std::move(model);
  return call;
}

// Values of `headers` that a server echoes back are redacted from every message.
// kConnect with advice when unreachable; kNotFound for a missing model;
// kHttp for other error statuses; kProtocol when the answer is not JSON.
Expected<nlohmann::json> call_json(const JsonCall& call, const ServerAdvice& advice,
                                   double* elapsed_ms = nullptr);

// The "chimera_sim" field (a string) of a server's JSON answer: Chimera's
// simulator names its version there. Empty when absent or not a string.
std::string simulator_version(const nlohmann::json& answer);

}  // namespace chimera::backends
