#include "chimera/backends/json_api.hpp"

#include <fmt/format.h>

#include "chimera/backends/endpoint.hpp"
#include "chimera/http/fetch.hpp"

namespace chimera::backends {

Expected<nlohmann::json> call_json(const JsonCall& call, const ServerAdvice& advice,
                                   double* elapsed_ms) {
  http::FetchRequest request;
  request.method = call.method;
  request.url = call.url;
  if (!call.body.is_null()) request.body = call.body.dump();
  request.headers = call.headers;
  request.total_timeout_ms = call.timeout_ms;
  const std::string shown_url = redact_url(call.url);
  auto response = http::fetch(request);
  if (!response) {
    const auto& failure = response.error();
    if (failure.kind == FailureKind::kConnect) {
      return fail(FailureKind::kConnect, connect_message(advice, shown_url, failure.message));
    }
    if (failure.kind == FailureKind::kTimeout) {
      return fail(FailureKind::kTimeout, fmt::format("no answer from {} within {} ms ({})",
                                                     shown_url, call.timeout_ms, failure.message));
    }
    return fail(failure.kind, fmt::format("request to {} failed: {}", shown_url, failure.message));
  }
  if (elapsed_ms != nullptr) *elapsed_ms = response->elapsed_ms;
  if (response->status >= 400) {
    const std::string text = server_message(response->body);
    std::string message = http_error_message(advice, response->status, call.model, text);
    const bool missing_model = response->status == 404 && message.starts_with("model ");
    return fail(missing_model ? FailureKind::kNotFound : FailureKind::kHttp, std::move(message));
  }
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded()) {
    return fail(FailureKind::kProtocol,
                fmt::format("{} answered with something that is not JSON: '{}'", shown_url,
                            response->body.substr(0, 120)));
  }
  return json;
}

}  // namespace chimera::backends
