#include "chimera/http/fetch.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "chimera/http/curl_global.hpp"

namespace chimera::http {
namespace {

using Steady = std::chrono::steady_clock;

// What the callbacks share: the body so far and when bytes last arrived.
struct Exchange {
  const FetchRequest* request = nullptr;
  FetchResponse* response = nullptr;
  Steady::time_point started;
  std::optional<Steady::time_point> last_byte;
  std::string limit_hit;  // why a callback ended the transfer
};

double ms_since(Steady::time_point from, Steady::time_point now) {
  return std::chrono::duration<double, std::milli>(now - from).count();
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* userp) {
  auto& x = *static_cast<Exchange*>(userp);
  const std::size_t n = size * count;
  x.last_byte = Steady::now();
  if (x.response->body.size() + n > x.request->max_body_bytes) {
    x.limit_hit = fmt::format("the answer is larger than {} bytes", x.request->max_body_bytes);
    return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
  }
  x.response->body.append(data, n);
  return n;
}

std::size_t on_header(char*, std::size_t size, std::size_t count, void* userp) {
  static_cast<Exchange*>(userp)->last_byte = Steady::now();
  return size * count;
}

// curl calls this at least once a second, also while nothing arrives; the
// first-byte and idle limits, which curl has no options for, are checked here.
int on_progress(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& x = *static_cast<Exchange*>(userp);
  const auto& t = x.request->timeouts;
  const auto now = Steady::now();
  if (!x.last_byte) {
    if (t.first_token_ms > 0 && ms_since(x.started, now) > t.first_token_ms) {
      x.limit_hit = fmt::format("first-byte timeout: no answer within {} ms", t.first_token_ms);
      return 1;
    }
  } else if (t.idle_ms > 0 && ms_since(*x.last_byte, now) > t.idle_ms) {
    x.limit_hit = fmt::format("idle timeout: the answer stalled for {} ms", t.idle_ms);
    return 1;
  }
  return 0;
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

void set_method(CURL* e, const FetchRequest& request) {
  if (request.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method != "GET" && (request.method == "POST" || !request.body.empty())) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
}

void set_limits(CURL* e, const FetchRequest& request, Exchange& exchange) {
  const auto& t = request.timeouts;
  if (t.connect_ms > 0)
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::ceil(t.connect_ms)));
  if (t.total_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(t.total_ms)));
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &exchange);
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
  Exchange exchange{&request, &response, Steady::now(), std::nullopt, {}};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, no_proxy_list());
  curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &exchange);
  set_limits(e, request, exchange);
  set_method(e, request);

  exchange.started = Steady::now();
  const CURLcode code = curl_easy_perform(e);
  response.elapsed_ms = ms_since(exchange.started, Steady::now());
  if (!exchange.limit_hit.empty()) {
    const bool too_large = code == CURLE_WRITE_ERROR;
    return fail(too_large ? FailureKind::kProtocol : FailureKind::kTimeout, exchange.limit_hit);
  }
  if (code != CURLE_OK) {
    std::string message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT && response.body.empty() && !exchange.last_byte) {
      message = fmt::format("no answer within {} ms ({})", request.timeouts.total_ms, message);
    }
    return fail(failure_kind(code), std::move(message));
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  if (char* target = nullptr;
      curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &target) == CURLE_OK && target != nullptr) {
    response.redirect_url = target;
  }
  return response;
}

}  // namespace chimera::http
