#include "chimera/backends/json_api.hpp"

#include <fmt/format.h>

#include "chimera/backends/endpoint.hpp"
#include "chimera/http/fetch.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/redact.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::backends {
namespace {

Failure transport_failure(const Failure& failure, const ServerAdvice& advice,
                          const std::string& shown_url) {
  if (failure.kind == FailureKind::kConnect) {
    return Failure{FailureKind::kConnect, connect_message(advice, shown_url, failure.message)};
  }
  if (failure.kind == FailureKind::kTimeout) {
    return Failure{FailureKind::kTimeout,
                   fmt::format("no complete answer from {}: {}", shown_url, failure.message)};
  }
  return Failure{failure.kind, fmt::format("request to {} failed: {}", shown_url, failure.message)};
}

}  // namespace

Expected<nlohmann::json> call_json(const JsonCall& call, const ServerAdvice& advice,
                                   double* elapsed_ms) {
  http::FetchRequest request;
  request.method = call.method;
  request.url = call.url;
  if (!call.body.is_null()) request.body = dump_json(call.body);
  request.headers = call.headers;
  const auto& t = call.timeouts;
  request.timeouts = {t.connect_ms, t.first_token_ms, t.idle_ms, t.total_ms};
  const std::string shown_url = redact_url(call.url);
  const auto secrets = util::header_secrets(call.headers);
  auto response = http::fetch(request);
  if (!response) {
    Failure failure = transport_failure(response.error(), advice, shown_url);
    failure.message = util::redact(std::move(failure.message), secrets);
    return std::unexpected(std::move(failure));
  }
  if (elapsed_ms != nullptr) *elapsed_ms = response->elapsed_ms;
  if (response->status >= 300 && response->status < 400) {
    return fail(
        FailureKind::kHttp,
        util::redact(fmt::format("{} answered: {}", shown_url,
                                 redirect_message(response->status, response->redirect_url)),
                     secrets));
  }
  if (response->status >= 400) {
    const std::string text = util::redact(server_message(response->body), secrets);
    std::string message = http_error_message(advice, response->status, call.model, text);
    const bool missing_model = response->status == 404 && message.starts_with("model ");
    return fail(missing_model ? FailureKind::kNotFound : FailureKind::kHttp, std::move(message));
  }
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded()) {
    const std::string shown = util::sanitize_utf8(util::utf8_excerpt(response->body, 120));
    return fail(FailureKind::kProtocol,
                fmt::format("{} answered with something that is not JSON: '{}'", shown_url,
                            util::redact(shown, secrets)));
  }
  return json;
}

std::string simulator_version(const nlohmann::json& answer) {
  if (!answer.is_object()) return "";
  const auto it = answer.find("chimera_sim");
  return it != answer.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace chimera::backends
