#pragma once
// One transfer as the client's loop holds it, whichever transport carries it
// (libcurl, or the plain HTTP/1.1 transport of plain_transport.hpp), and the
// steps both transports share when bytes arrive.

#include <curl/curl.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "chimera/http/client.hpp"
#include "chimera/http/plain.hpp"

namespace chimera::http {

inline Clock::duration from_ms(double ms) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

struct Transfer {
  std::uint64_t id = 0;
  void* loop = nullptr;  // the Client::Loop that owns this transfer
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  // Set when the plain transport carries this transfer (libcurl otherwise).
  std::optional<plain::Target> plain;
  bool connected = false;  // plain only: the connection is up (the connect limit is over)
  int plain_fd = -1;       // plain only: the connection carrying it
  // plain only: when the current connection attempt began (a retry on a new
  // connection gets a connect limit of its own).
  Clock::time_point connect_from;
  HttpRequest request;
  std::unique_ptr<StreamHandler> handler;
  TransferOutcome outcome;
  std::map<std::string, std::string> response_headers;
  bool headers_done = false;
  bool t0_set = false;
  bool body_started = false;
  bool token_seen = false;
  bool stop_requested = false;
  Clock::time_point last_chunk;
  Clock::time_point scheduled_at = Clock::time_point::max();
  char error_buffer[CURL_ERROR_SIZE] = {};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (header_list != nullptr) curl_slist_free_all(header_list);
  }

  void mark_sending(Clock::time_point at) {
    outcome.t0 = at;
    t0_set = true;
  }

  // The final status and headers, once (a 1xx interim answer is not final).
  void deliver_headers(int status) {
    if (status < 200 || headers_done) return;
    headers_done = true;
    outcome.http_status = status;
    handler->on_headers(status, response_headers);
  }

  // Hands body bytes to the handler. False when the handler asked to stop
  // (or threw: an exception must not unwind through a transport).
  bool deliver_body(std::string_view bytes, Clock::time_point at) {
    // The idle limit runs from the first body bytes, then from each complete chunk.
    if (!body_started) last_chunk = at;
    body_started = true;
    outcome.body_bytes += bytes.size();
    BodyAction action = BodyAction::kStop;
    try {
      action = handler->on_body(bytes, at);
    } catch (...) {
    }
    if (action == BodyAction::kToken) token_seen = true;
    if (action != BodyAction::kIncomplete) last_chunk = at;
    if (action == BodyAction::kStop) stop_requested = true;
    return action != BodyAction::kStop;
  }

  // The earliest limit this transfer can hit next, and which one it is.
  std::pair<Clock::time_point, TransferEnd> next_deadline() const {
    auto best = std::make_pair(Clock::time_point::max(), TransferEnd::kTotalTimeout);
    const auto& limits = request.timeouts;
    auto consider = [&](double ms, Clock::time_point from, TransferEnd reason) {
      if (ms <= 0) return;
      const auto at = from + from_ms(ms);
      if (at < best.first) best = {at, reason};
    };
    consider(limits.total_ms, outcome.handed_at, TransferEnd::kTotalTimeout);
    // libcurl keeps its own connect limit; the plain transport relies on this one.
    if (plain && !connected) {
      consider(limits.connect_ms, connect_from, TransferEnd::kConnectTimeout);
    }
    if (!token_seen)
      consider(limits.first_token_ms, outcome.handed_at, TransferEnd::kFirstTokenTimeout);
    if (body_started) consider(limits.idle_ms, last_chunk, TransferEnd::kIdleTimeout);
    return best;
  }
};

}  // namespace chimera::http
