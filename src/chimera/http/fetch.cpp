#include "chimera/http/fetch.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "chimera/http/curl_global.hpp"

namespace chimera::http {
namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* userp) {
  static_cast<std::string*>(userp)->append(data, size * count);
  return size * count;
}

FailureKind failure_kind(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FailureKind::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return FailureKind::kTimeout;
    default:
      return FailureKind::kError;
  }
}

}  // namespace

Expected<FetchResponse> fetch(const FetchRequest& request) {
  ensure_curl_global_init();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) return fail(FailureKind::kError, "could not create an HTTP handle");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr,
                                                                      &curl_slist_free_all);
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add_header("Expect:");
  if (!request.body.empty()) add_header("Content-Type: application/json");
  for (const auto& h : request.headers) add_header(h);

  FetchResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, no_proxy_list());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::ceil(request.connect_timeout_ms)));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(request.total_timeout_ms)));
  if (request.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty()) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  const auto start = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(e);
  response.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (code != CURLE_OK) {
    std::string message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    return fail(failure_kind(code), std::move(message));
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace chimera::http
