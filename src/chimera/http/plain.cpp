#include "chimera/http/plain.hpp"

#include <curl/curl.h>
#include <netdb.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "chimera/http/client.hpp"
#include "chimera/http/curl_global.hpp"

namespace chimera::http::plain {

namespace {

// ASCII only: header names and URL parts are ASCII, and std::tolower's
// locale lookup per byte showed in a load test's profile.
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string_view unbracket(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

// One part of a parsed URL, or "" when it is absent.
std::string url_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

struct UrlParts {
  std::string host;  // as written, IPv6 in brackets
  std::string port;
  std::string path;  // with the query
  bool explicit_port = false;
};

std::optional<UrlParts> plain_http_parts(std::string_view text) {
  ensure_curl_global_init();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), &curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, std::string(text).c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  if (lower(url_part(url.get(), CURLUPART_SCHEME)) != "http") return std::nullopt;
  if (!url_part(url.get(), CURLUPART_USER).empty()) return std::nullopt;
  UrlParts parts;
  parts.host = url_part(url.get(), CURLUPART_HOST);
  parts.explicit_port = !url_part(url.get(), CURLUPART_PORT).empty();
  parts.port = url_part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  parts.path = url_part(url.get(), CURLUPART_PATH);
  if (parts.path.empty()) parts.path = "/";
  const auto query = url_part(url.get(), CURLUPART_QUERY);
  if (!query.empty()) parts.path += "?" + query;
  if (parts.host.empty() || parts.port.empty()) return std::nullopt;
  return parts;
}

std::shared_ptr<const Origin> resolve(const UrlParts& parts) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string host(unbracket(parts.host));
  if (getaddrinfo(host.c_str(), parts.port.c_str(), &hints, &found) != 0) return nullptr;
  auto origin = std::make_shared<Origin>();
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Address address;
    std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    origin->addresses.push_back(address);
  }
  freeaddrinfo(found);
  if (origin->addresses.empty()) return nullptr;
  origin->key = parts.host + ":" + parts.port;
  origin->host_header = parts.explicit_port ? origin->key : parts.host;
  origin->description = host + " port " + parts.port;
  return origin;
}

std::optional<Target> route_uncached(std::string_view url) {
  auto parts = plain_http_parts(url);
  if (!parts) return std::nullopt;
  if (proxy_applies(unbracket(parts->host), [](const char* name) { return std::getenv(name); })) {
    return std::nullopt;
  }
  auto origin = resolve(*parts);
  if (!origin) return std::nullopt;  // libcurl reports the failure in its words
  return Target{std::move(origin), std::move(parts->path)};
}

}  // namespace

bool proxy_applies(std::string_view host, const std::function<const char*(const char*)>& getenv) {
  // libcurl's variables: lower-case http_proxy only (HTTP_PROXY may be set by
  // a CGI caller), all_proxy in either case.
  bool any = false;
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* value = getenv(name);
    if (value != nullptr && value[0] != '\0') any = true;
  }
  if (!any) return false;
  std::string_view exempt = no_proxy_list();
  const std::string host_lower = lower(host);
  while (!exempt.empty()) {
    const auto comma = exempt.find(',');
    auto entry = trim(exempt.substr(0, comma));
    exempt = comma == std::string_view::npos ? "" : exempt.substr(comma + 1);
    if (entry == "*") return false;
    if (entry.starts_with('.')) entry.remove_prefix(1);
    const std::string name = lower(unbracket(entry));
    if (name.empty()) continue;
    if (host_lower == name) return false;
    if (host_lower.size() > name.size() && host_lower.ends_with(name) &&
        host_lower[host_lower.size() - name.size() - 1] == '.') {
      return false;
    }
  }
  return true;
}

std::optional<Target> route(std::string_view url) {
  // A load test sends thousands of requests to one URL: parse and resolve
  // each URL once a minute at most.
  struct Entry {
    std::optional<Target> target;
    std::chrono::steady_clock::time_point at;
  };
  static std::mutex mutex;
  static std::unordered_map<std::string, Entry> cache;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex);
  if (auto it = cache.find(std::string(url));
      it != cache.end() && now - it->second.at < std::chrono::minutes(1)) {
    return it->second.target;
  }
  if (cache.size() >= 4096) cache.clear();
  auto target = route_uncached(url);
  cache.insert_or_assign(std::string(url), Entry{target, now});
  return target;
}

std::string serialize(const HttpRequest& request, const Target& target) {
  const bool post = request.method == "POST";
  std::vector<std::string> suppressed;  // lower-case names the request sets or removes
  std::string own;
  for (const auto& header : request.headers) {
    const auto colon = header.find(':');
    if (colon == std::string::npos) continue;
    const auto name = lower(trim(std::string_view(header).substr(0, colon)));
    suppressed.push_back(name);
    const bool removes_only = trim(std::string_view(header).substr(colon + 1)).empty();
    if (removes_only || name == "content-length") continue;  // the length is ours to state
    own.append(header).append("\r\n");
  }
  auto wanted = [&](std::string_view name) {
    return std::find(suppressed.begin(), suppressed.end(), name) == suppressed.end();
  };
  std::string out;
  out.reserve(256 + own.size() + request.body.size());
  out.append(request.method).append(" ").append(target.path).append(" HTTP/1.1\r\n");
  if (wanted("host")) out.append("Host: ").append(target.origin->host_header).append("\r\n");
  if (wanted("user-agent")) out.append("User-Agent: ").append(user_agent()).append("\r\n");
  if (wanted("accept")) out.append("Accept: */*\r\n");
  if (post && wanted("content-type")) {
    out.append("Content-Type: application/x-www-form-urlencoded\r\n");
  }
  out.append(own);
  if (post)
    out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  out.append("\r\n");
  if (post) out.append(request.body);
  return out;
}

namespace {

namespace bhttp = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

// Boost.Beast's parser with its hooks forwarded to ResponseEvents.
class BeastParser final : public bhttp::basic_parser<false> {
 public:
  explicit BeastParser(ResponseEvents& events) : events_(events) {
    // A stream is as long as the server makes it. (Not boost::none: Boost
    // 1.74 compares a Content-Length against an empty limit as exceeding it.)
    body_limit(std::numeric_limits<std::uint64_t>::max());
    header_limit(64 * 1024);  // a header block is not
    eager(true);              // body bytes go out as soon as they arrive
  }
  int status() const { return status_; }
  bool stopped() const { return stopped_; }

 private:
  void on_request_impl(bhttp::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = code;
    events_.on_status(code);
  }
  void on_field_impl(bhttp::field, string_view name, string_view value, error_code&) override {
    name_.assign(name.data(), name.size());  // no allocation once the buffer has grown
    for (char& c : name_) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    events_.on_header(name_, std::string_view(value.data(), value.size()));
  }
  void on_header_impl(error_code&) override { events_.on_headers_done(status_); }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code& ec) override { return pass(body, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return pass(body, ec);
  }
  void on_finish_impl(error_code&) override {}

  std::size_t pass(string_view body, error_code& ec) {
    if (!events_.on_body(std::string_view(body.data(), body.size()))) {
      stopped_ = true;
      ec = bhttp::error::bad_chunk;  // any error ends put(); stopped_ says why
    }
    return body.size();
  }

  ResponseEvents& events_;
  int status_ = 0;
  bool stopped_ = false;
  std::string name_;  // the field name being reported, lower-cased
};

}  // namespace

class ResponseParser::Impl {
 public:
  explicit Impl(ResponseEvents& events) : events_(events) { restart(); }
  void restart() {
    parser_.emplace(events_);
    pending_.clear();
    leftover_ = false;
  }
  State feed(std::string_view bytes, std::string& error);
  State eof(std::string& error);
  bool keep_alive() const { return parser_->keep_alive(); }
  bool leftover() const { return leftover_; }

 private:
  State parse(std::string_view& input, std::string& error);

  ResponseEvents& events_;
  std::optional<BeastParser> parser_;  // in place: one per response, no allocation
  std::string pending_;                // the start of a header block, waiting for the rest
  bool leftover_ = false;
};

// Parses from the front of `input`, leaving what is not yet usable.
ResponseParser::State ResponseParser::Impl::parse(std::string_view& input, std::string& error) {
  while (!input.empty()) {
    error_code ec;
    const auto used = parser_->put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (parser_->stopped()) return State::kStopped;
    if (ec == bhttp::error::need_more) return State::kMore;
    if (ec) {
      error = "malformed HTTP response: " + ec.message();
      return State::kError;
    }
    if (parser_->is_done()) {
      if (parser_->status() >= 200) {
        leftover_ = !input.empty();
        return State::kDone;
      }
      parser_.emplace(events_);  // an interim 1xx answer; the final one follows
    } else if (used == 0) {
      return State::kMore;
    }
  }
  return State::kMore;
}

ResponseParser::State ResponseParser::Impl::feed(std::string_view bytes, std::string& error) {
  std::string_view input = bytes;
  if (!pending_.empty()) {
    pending_.append(bytes);
    input = pending_;
  }
  const auto state = parse(input, error);
  if (state != State::kMore) return state;
  if (input.empty()) {
    pending_.clear();
  } else if (!pending_.empty()) {
    pending_.erase(0, pending_.size() - input.size());
  } else {
    pending_.assign(input);
  }
  return State::kMore;
}

ResponseParser::State ResponseParser::Impl::eof(std::string& error) {
  // Beast takes a close before any byte for an empty message without a length.
  if (!parser_->got_some() && pending_.empty()) {
    error = "the server closed the connection without answering";
    return State::kError;
  }
  error_code ec;
  parser_->put_eof(ec);
  if (!ec && parser_->is_done()) return State::kDone;
  error = parser_->got_some() ? "the server closed the connection before the response ended"
                              : "the server closed the connection without answering";
  return State::kError;
}

ResponseParser::ResponseParser(ResponseEvents& events) : impl_(std::make_unique<Impl>(events)) {}
ResponseParser::~ResponseParser() = default;
void ResponseParser::restart() {
  impl_->restart();
  error_.clear();
}
ResponseParser::State ResponseParser::feed(std::string_view bytes) {
  return impl_->feed(bytes, error_);
}
ResponseParser::State ResponseParser::eof() {
  return impl_->eof(error_);
}
bool ResponseParser::keep_alive() const {
  return impl_->keep_alive();
}
bool ResponseParser::leftover() const {
  return impl_->leftover();
}

}  // namespace chimera::http::plain
