#pragma once
// Plain HTTP/1.1 over TCP, the pieces the plain transport is made of: which
// URLs it may carry (`route`), the request bytes (`serialize`) and a streaming
// response parser (Boost.Beast's, which also undoes chunked encoding).
//
// The plain transport carries http:// URLs that no proxy applies to, which is
// every local inference server and `chimera sim`. libcurl carries the rest
// (HTTPS, proxies, user info in the URL). The reason is cost: per streamed
// request of a load test, libcurl's own work took more CPU than the kernel's
// loopback TCP; docs/PERFORMANCE.md has the figures.

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::http {
struct HttpRequest;
}

namespace chimera::http::plain {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// One server as the transport connects to it.
struct Origin {
  std::string key;          // "host:port", the pool of idle connections it shares
  std::string host_header;  // "host[:port]" as the URL gave it
  std::string description;  // "localhost port 11434", for error messages
  // Every address the host resolved to, in the resolver's order: a new
  // connection tries them in turn ("localhost" is often ::1 first, while a
  // server may listen on 127.0.0.1 only).
  std::vector<Address> addresses;
  // The address that last took a connection: new connections start there.
  mutable std::atomic<std::size_t> preferred{0};
};

struct Target {
  std::shared_ptr<const Origin> origin;
  std::string path;  // origin-form: "/api/generate?x=1"
};

// The target of `url` when the plain transport may carry it: scheme http, no
// user info, no proxy from http_proxy/all_proxy applies to the host (no_proxy
// and the loopback addresses exempt it), and the host resolves (a URL's
// resolution is kept for a minute, as libcurl keeps its DNS cache). Otherwise
// nullopt, and libcurl carries it.
std::optional<Target> route(std::string_view url);

// Whether a proxy variable names a proxy for `host`, honouring no_proxy.
// `getenv` is a parameter so tests can supply an environment.
bool proxy_applies(std::string_view host, const std::function<const char*(const char*)>& getenv);

// The request line, headers and body. The request's own headers come first
// and replace the defaults of the same name (Host, User-Agent, Accept,
// Content-Type); a header given as "Name:" with no value only removes the
// default, as with libcurl.
std::string serialize(const HttpRequest& request, const Target& target);

// What the parser reports, in order: the status line and headers (once per
// response; a 1xx interim response is reported too, and the parser starts over
// for the final one), body bytes as they arrive, then the end of the message.
class ResponseEvents {
 public:
  virtual ~ResponseEvents() = default;
  virtual void on_status(int status) = 0;
  // The views are valid during the call only.
  virtual void on_header(std::string_view name_lower, std::string_view value) = 0;
  virtual void on_headers_done(int status) = 0;
  // False stops the parse (the handler has seen enough).
  virtual bool on_body(std::string_view bytes) = 0;
};

class ResponseParser {
 public:
  explicit ResponseParser(ResponseEvents& events);
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  enum class State { kMore, kDone, kStopped, kError };
  // Ready for the next response on the same connection.
  void restart();
  // Parses what it can of `bytes`; bytes it could not use yet (part of a
  // header) are kept and parsed with the next call.
  State feed(std::string_view bytes);
  // The peer closed the connection: kDone when that ends the message (a body
  // delimited by the close), kError when the message was cut short.
  State eof();
  bool keep_alive() const;  // after kDone: the connection may carry another request
  bool leftover() const;    // after kDone: the server sent bytes past the message
  const std::string& error() const { return error_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

}  // namespace chimera::http::plain
