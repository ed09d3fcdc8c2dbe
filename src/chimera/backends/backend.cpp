#include "chimera/backends/backend.hpp"

#include <fmt/format.h>

#include <future>

#include "chimera/backends/backend_impl.hpp"
#include "chimera/backends/endpoint.hpp"
#include "chimera/util/redact.hpp"

namespace chimera::backends {

measure::RequestResult Backend::generate(GenerationRequest request) {
  auto promise = std::make_shared<std::promise<measure::RequestResult>>();
  auto future = promise->get_future();
  submit(std::move(request),
         [promise](measure::RequestResult result) { promise->set_value(std::move(result)); });
  return future.get();
}

StreamingBackend::StreamingBackend(std::string url, std::shared_ptr<http::Client> client,
                                   ServerAdvice advice, const BackendOptions& options)
    : url_(std::move(url)),
      client_(std::move(client)),
      advice_(std::move(advice)),
      cold_threshold_ms_(options.cold_threshold_ms),
      call_timeouts_(options.call_timeouts),
      max_line_bytes_(options.max_line_bytes),
      endpoint_(redact_url(url_)) {}

JsonCall StreamingBackend::get(std::string url, std::vector<std::string> headers) const {
  JsonCall call = get_call(std::move(url), std::move(headers));
  call.timeouts = call_timeouts_;
  return call;
}

JsonCall StreamingBackend::post(std::string url, nlohmann::json body, std::string model) const {
  JsonCall call = post_call(std::move(url), std::move(body), std::move(model));
  call.timeouts = call_timeouts_;
  return call;
}

std::string StreamingBackend::endpoint() const {
  return endpoint_;
}

void StreamingBackend::submit(GenerationRequest request,
                              std::function<void(measure::RequestResult)> done) {
  static std::atomic<std::uint64_t> counter{0};
  if (request.api.empty()) request.api = default_api();
  measure::RequestResult identity;
  identity.id = request.id.empty() ? fmt::format("req-{}", ++counter) : request.id;
  identity.backend = kind();
  identity.endpoint = endpoint_;
  identity.api = request.api;
  identity.model = request.model;
  identity.options = request.options;
  identity.started_at = utc_now_iso8601();
  identity.warmup = request.warmup;

  auto http_request = build(request);
  if (!http_request) {
    measure::set_error(identity, "invalid_request", http_request.error().message);
    measure::finalize(identity, {}, {cold_threshold_ms_});
    done(std::move(identity));
    return;
  }
  for (const auto& [name, value] : request.headers) {
    http_request->headers.push_back(name + ": " + value);
  }
  const auto& t = request.timeouts;
  http_request->timeouts = {t.connect_ms, t.first_token_ms, t.idle_ms, t.total_ms};
  if (request.not_before) http_request->not_before = *request.not_before;
  auto secrets = util::header_secrets(http_request->headers);
  client_->submit(std::move(*http_request),
                  std::make_unique<GenerationHandler>(
                      std::move(identity), decoder(max_line_bytes_), t, advice_, cold_threshold_ms_,
                      std::move(done), std::move(request.on_response_headers), std::move(secrets)));
}

Expected<std::unique_ptr<Backend>> make_backend(BackendOptions options,
                                                std::shared_ptr<http::Client> client) {
  std::string kind = options.kind;
  if (kind.empty()) kind = options.url.empty() ? "ollama" : infer_kind(options.url);
  if (kind != "ollama" && kind != "openai") {
    return fail(FailureKind::kInvalidInput,
                fmt::format("unknown backend '{}': use ollama or openai", kind));
  }
  std::string url = options.url;
  if (url.empty()) url = kind == "openai" ? default_openai_url() : default_ollama_url();
  url = normalize_base_url(url, kind);
  if (!client) client = http::shared_client();
  if (kind == "openai") {
    auto api_key = options.api_key;
    return make_openai_backend(std::move(url), std::move(api_key), std::move(client), options);
  }
  return make_ollama_backend(std::move(url), std::move(client), options);
}

}  // namespace chimera::backends
