#pragma once
// One streaming HTTP client: a single loop thread on epoll carries every
// transfer, so thousands of concurrent transfers cost one thread, not one
// each. Two transports share the loop: a plain HTTP/1.1 transport with its
// own keep-alive pool for http:// URLs that no proxy applies to (every local
// server; see plain.hpp), and libcurl's multi interface, driven through its
// socket API, for the rest (HTTPS, proxies from http_proxy, https_proxy and
// no_proxy).
//
// Timestamps (steady clock):
//  - `handed_at`: just before the transfer is handed to curl (for a request
//    with `not_before`, when it comes due); the connect, first-token and total
//    timers start here.
//  - `t0`: just before the request bytes are written on an established (or
//    reused) connection (libcurl: CURLOPT_PREREQFUNCTION). If no connection
//    was ever made it equals `handed_at`.
//  - each body chunk is stamped in the write callback, as the bytes come off
//    the socket.
//
// Threading: submit() and cancel_all() may be called from any thread. Every
// StreamHandler callback runs on the loop thread and must not block; it may
// call submit().

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::http {

using Clock = std::chrono::steady_clock;

// Limits in milliseconds; 0 disables one.
struct TransferTimeouts {
  double connect_ms = 0;
  double first_token_ms = 0;  // from hand-over until the handler reports a token
  // Between complete chunks (lines, events: whatever the handler does not
  // answer kIncomplete to), once the body has started: a server trickling a
  // byte at a time does not hold a request past it.
  double idle_ms = 0;
  double total_ms = 0;
};

struct HttpRequest {
  std::string method = "GET";  // GET | POST
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  TransferTimeouts timeouts;
  // The loop holds the transfer until then (an open-loop schedule's due
  // time) and hands it to curl as it comes due; the timers start at the
  // hand-over. The default starts it at once.
  Clock::time_point not_before = Clock::time_point::min();
};

// Why a transfer ended. kOk means the HTTP exchange completed; the status may
// still be an error status.
enum class TransferEnd {
  kOk,
  kConnectFailed,  // refused, unreachable, DNS
  kConnectTimeout,
  kFirstTokenTimeout,
  kIdleTimeout,
  kTotalTimeout,
  kConnectionLost,    // the peer closed or reset the connection mid-response
  kStoppedByHandler,  // the handler returned BodyAction::kStop
  kCancelled,         // cancel_all() or Ctrl-C
  kOtherError,
};
const char* to_string(TransferEnd end);

struct TransferOutcome {
  TransferEnd end = TransferEnd::kOtherError;
  int http_status = 0;
  int curl_code = 0;
  std::string message;  // curl's own explanation when a transfer failed
  Clock::time_point handed_at;
  Clock::time_point t0;
  Clock::time_point finished_at;
  std::uint64_t body_bytes = 0;
};

enum class BodyAction {
  kContinue,    // the bytes completed a chunk (a line, an event) without generated text
  kToken,       // this chunk carried generated text: the first-token timer stops
  kIncomplete,  // the bytes completed no chunk: the idle timer keeps running
  kStop,        // the handler has seen enough (e.g. a malformed chunk): end the transfer
};

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // After the response headers (final status; redirects are not followed).
  // `headers` maps lower-case names to values.
  virtual void on_headers(int /*status*/, const std::map<std::string, std::string>& /*headers*/) {}
  virtual BodyAction on_body(std::string_view bytes, Clock::time_point at) = 0;
  // Exactly once per submitted transfer, last.
  virtual void on_complete(const TransferOutcome& outcome) = 0;
};

struct ClientStats {
  std::uint64_t submitted = 0;
  std::uint64_t completed = 0;
  std::uint64_t in_flight = 0;
};

// Which transports may carry a transfer. kAuto: the plain transport carries
// what it can, libcurl the rest. kCurl: libcurl carries everything. The
// environment variable CHIMERA_HTTP_TRANSPORT=curl makes kCurl the default,
// for a server the plain transport does not get along with.
enum class Transport { kAuto, kCurl };
Transport default_transport();

class Client {
 public:
  // Starts the loop thread. With cancel_on_interrupt, Ctrl-C (util/signals)
  // cancels every transfer in flight.
  explicit Client(bool cancel_on_interrupt = true, Transport transport = default_transport());
  ~Client();  // cancels what is in flight, then joins the loop
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void submit(HttpRequest request, std::unique_ptr<StreamHandler> handler);
  // Ends every transfer in flight or queued with TransferEnd::kCancelled.
  void cancel_all();
  ClientStats stats() const;

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

// The process-wide client, created on first use.
std::shared_ptr<Client> shared_client();

}  // namespace chimera::http
