// The pieces of the plain HTTP/1.1 transport on their own: which URLs it
// carries, when a proxy takes a URL away from it, the request bytes it writes,
// and the response parser fed the way a socket delivers bytes (whole, split
// anywhere, one byte at a time).

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chimera/http/client.hpp"
#include "chimera/http/curl_global.hpp"
#include "chimera/http/plain.hpp"
#include "chimera/version.hpp"

namespace chimera::http::plain {
namespace {

using State = ResponseParser::State;

int family_of(const Address& address) {
  return address.storage.ss_family;
}

int port_of(const Address& address) {
  if (family_of(address) == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address.storage).sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6&>(address.storage).sin6_port);
}

// ---- route() ----

TEST(PlainRoute, HttpUrlWithPortAndQuery) {
  const auto target = route("http://127.0.0.1:8080/api/generate?stream=true&x=1");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->origin->key, "127.0.0.1:8080");
  EXPECT_EQ(target->origin->host_header, "127.0.0.1:8080");
  EXPECT_EQ(target->origin->description, "127.0.0.1 port 8080");
  EXPECT_EQ(target->path, "/api/generate?stream=true&x=1");
  ASSERT_EQ(target->origin->addresses.size(), 1u);
  EXPECT_EQ(family_of(target->origin->addresses[0]), AF_INET);
  EXPECT_EQ(port_of(target->origin->addresses[0]), 8080);
}

TEST(PlainRoute, HttpWithoutPortUsesPort80AndAHostHeaderWithoutIt) {
  const auto target = route("http://127.0.0.1/v1/models");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->origin->key, "127.0.0.1:80");
  EXPECT_EQ(target->origin->host_header, "127.0.0.1");
  EXPECT_EQ(target->path, "/v1/models");
  ASSERT_EQ(target->origin->addresses.size(), 1u);
  EXPECT_EQ(port_of(target->origin->addresses[0]), 80);
}

TEST(PlainRoute, AnEmptyPathIsTheRoot) {
  const auto target = route("http://127.0.0.1:9000");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->path, "/");
}

TEST(PlainRoute, AHostNameKeepsEveryAddressItResolvesTo) {
  const auto target = route("http://localhost:11434/api/tags");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->origin->key, "localhost:11434");
  EXPECT_EQ(target->origin->host_header, "localhost:11434");
  EXPECT_EQ(target->origin->description, "localhost port 11434");
  ASSERT_FALSE(target->origin->addresses.empty());
  for (const auto& address : target->origin->addresses) {
    EXPECT_TRUE(family_of(address) == AF_INET || family_of(address) == AF_INET6);
    EXPECT_EQ(port_of(address), 11434);
  }
}

TEST(PlainRoute, HttpsIsLeftToLibcurl) {
  EXPECT_FALSE(route("https://127.0.0.1:8443/v1/models").has_value());
}

TEST(PlainRoute, UserInfoIsLeftToLibcurl) {
  EXPECT_FALSE(route("http://user:pw@127.0.0.1:8080/").has_value());
  EXPECT_FALSE(route("http://user@127.0.0.1:8080/").has_value());
}

TEST(PlainRoute, BracketedIpv6Routes) {
  const auto target = route("http://[::1]:8080/x");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->origin->key, "[::1]:8080");
  EXPECT_EQ(target->origin->host_header, "[::1]:8080");
  EXPECT_EQ(target->origin->description, "::1 port 8080");
  EXPECT_EQ(target->path, "/x");
  ASSERT_EQ(target->origin->addresses.size(), 1u);
  EXPECT_EQ(family_of(target->origin->addresses[0]), AF_INET6);
  EXPECT_EQ(port_of(target->origin->addresses[0]), 8080);
}

TEST(PlainRoute, AnUnresolvableHostIsLeftToLibcurl) {
  // .invalid never resolves (RFC 6761); libcurl reports the failure in its words.
  EXPECT_FALSE(route("http://no-such-host.invalid:8080/").has_value());
}

TEST(PlainRoute, NotAUrlIsLeftToLibcurl) {
  EXPECT_FALSE(route("not a url").has_value());
}

// ---- proxy_applies() ----

// An environment of the test's own making, in place of the process's.
using Environment = std::map<std::string, std::string>;
std::function<const char*(const char*)> fake_getenv(Environment values) {
  return [values = std::move(values)](const char* name) -> const char* {
    const auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

// no_proxy is read from the real environment once per process; a test that
// expects a remote host to be proxied cannot run where the user exempts it.
bool real_no_proxy_exempts_example_com() {
  const std::string list = no_proxy_list();
  return list.find('*') != std::string::npos || list.find("example.com") != std::string::npos;
}

TEST(PlainProxy, NoProxyVariablesMeansNoProxy) {
  const auto getenv = fake_getenv(Environment{});
  EXPECT_FALSE(proxy_applies("example.com", getenv));
  EXPECT_FALSE(proxy_applies("127.0.0.1", getenv));
}

TEST(PlainProxy, EmptyProxyVariablesMeanNoProxy) {
  const auto getenv = fake_getenv(Environment{{"http_proxy", ""}, {"all_proxy", ""}});
  EXPECT_FALSE(proxy_applies("example.com", getenv));
}

TEST(PlainProxy, HttpProxyAppliesToARemoteHostButNotToLoopback) {
  if (real_no_proxy_exempts_example_com()) GTEST_SKIP() << "no_proxy exempts example.com here";
  const auto getenv = fake_getenv(Environment{{"http_proxy", "http://proxy.internal:3128"}});
  EXPECT_TRUE(proxy_applies("example.com", getenv));
  EXPECT_TRUE(proxy_applies("EXAMPLE.com", getenv));
  EXPECT_FALSE(proxy_applies("localhost", getenv));
  EXPECT_FALSE(proxy_applies("LocalHost", getenv));
  EXPECT_FALSE(proxy_applies("127.0.0.1", getenv));
  EXPECT_FALSE(proxy_applies("::1", getenv));
}

TEST(PlainProxy, AllProxyInEitherCaseApplies) {
  if (real_no_proxy_exempts_example_com()) GTEST_SKIP() << "no_proxy exempts example.com here";
  EXPECT_TRUE(
      proxy_applies("example.com", fake_getenv(Environment{{"all_proxy", "socks5://p:1080"}})));
  EXPECT_TRUE(
      proxy_applies("example.com", fake_getenv(Environment{{"ALL_PROXY", "socks5://p:1080"}})));
}

TEST(PlainProxy, UppercaseHttpProxyAloneIsIgnoredAsLibcurlDoes) {
  // A CGI caller may set HTTP_PROXY from a request's "Proxy:" header (httpoxy).
  const auto getenv = fake_getenv(Environment{{"HTTP_PROXY", "http://proxy.internal:3128"}});
  EXPECT_FALSE(proxy_applies("example.com", getenv));
}

// ---- serialize() ----

Target example_target(std::string path = "/api/generate") {
  auto origin = std::make_shared<Origin>();
  origin->key = "example.test:8080";
  origin->host_header = "example.test:8080";
  origin->description = "example.test port 8080";
  return Target{std::move(origin), std::move(path)};
}

// A request as the server reads it: the request line, the header lines as
// written, and what follows the blank line.
struct SentRequest {
  std::string request_line;
  std::vector<std::string> headers;
  std::string body;
  bool complete = false;  // the head ended with an empty line

  // Every value of the header `name` (compared without regard to case).
  std::vector<std::string> values(std::string_view name) const {
    std::vector<std::string> found;
    for (const auto& line : headers) {
      const auto colon = line.find(':');
      if (colon == std::string::npos || colon != name.size()) continue;
      if (!std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        continue;
      }
      auto value = std::string_view(line).substr(colon + 1);
      while (value.starts_with(' ')) value.remove_prefix(1);
      found.emplace_back(value);
    }
    return found;
  }
};

SentRequest read_back(const std::string& bytes) {
  SentRequest sent;
  const auto end = bytes.find("\r\n\r\n");
  if (end == std::string::npos) return sent;
  sent.complete = true;
  sent.body = bytes.substr(end + 4);
  std::string_view head = std::string_view(bytes).substr(0, end + 2);
  bool first = true;
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const std::string line(head.substr(0, eol));
    head.remove_prefix(eol + 2);
    if (first) {
      sent.request_line = line;
      first = false;
    } else {
      sent.headers.push_back(line);
    }
  }
  return sent;
}

HttpRequest post(std::string body, std::vector<std::string> headers = {}) {
  HttpRequest request;
  request.method = "POST";
  request.url = "http://example.test:8080/api/generate";
  request.body = std::move(body);
  request.headers = std::move(headers);
  return request;
}

using Values = std::vector<std::string>;

TEST(PlainSerialize, PostCarriesTheDefaultsAndTheBodyWithItsLength) {
  const std::string body = R"({"model":"m","prompt":"p"})";
  const auto sent =
      read_back(serialize(post(body, {"Content-Type: application/json"}), example_target()));
  ASSERT_TRUE(sent.complete);
  EXPECT_EQ(sent.request_line, "POST /api/generate HTTP/1.1");
  EXPECT_EQ(sent.values("Host"), Values{"example.test:8080"});
  EXPECT_EQ(sent.values("User-Agent"), Values{std::string("chimera/") + kVersion});
  EXPECT_EQ(sent.values("Accept"), Values{"*/*"});
  EXPECT_EQ(sent.values("Content-Type"), Values{"application/json"});
  EXPECT_EQ(sent.values("Content-Length"), Values{std::to_string(body.size())});
  EXPECT_EQ(sent.body, body);
}

TEST(PlainSerialize, PostWithoutAContentTypeGetsLibcurlsDefault) {
  const auto sent = read_back(serialize(post("a=1"), example_target()));
  EXPECT_EQ(sent.values("Content-Type"), Values{"application/x-www-form-urlencoded"});
}

TEST(PlainSerialize, AUserHeaderReplacesTheDefaultOfTheSameName) {
  const auto sent = read_back(serialize(post("{}", {"User-Agent: x"}), example_target()));
  EXPECT_EQ(sent.values("User-Agent"), Values{"x"});
}

TEST(PlainSerialize, AHeaderWithoutAValueRemovesTheDefaultAndIsNotSent) {
  const auto bytes = serialize(post("{}", {"Accept:"}), example_target());
  const auto sent = read_back(bytes);
  EXPECT_TRUE(sent.values("Accept").empty()) << bytes;
  EXPECT_EQ(sent.values("Host"), Values{"example.test:8080"});
}

TEST(PlainSerialize, TheRealBodyLengthWinsOverAUserContentLength) {
  const auto sent = read_back(serialize(post("12345", {"Content-Length: 999"}), example_target()));
  EXPECT_EQ(sent.values("Content-Length"), Values{"5"});
  EXPECT_EQ(sent.body, "12345");
}

TEST(PlainSerialize, OtherUserHeadersAreSentAsGiven) {
  const auto sent = read_back(
      serialize(post("{}", {"Authorization: Bearer t", "X-Sim-Fault: none"}), example_target()));
  EXPECT_EQ(sent.values("Authorization"), Values{"Bearer t"});
  EXPECT_EQ(sent.values("X-Sim-Fault"), Values{"none"});
}

TEST(PlainSerialize, GetSendsNoBodyAndNoLength) {
  HttpRequest request;
  request.url = "http://example.test:8080/api/tags?x=1";
  request.body = "ignored";
  const auto bytes = serialize(request, example_target("/api/tags?x=1"));
  const auto sent = read_back(bytes);
  ASSERT_TRUE(sent.complete);
  EXPECT_EQ(sent.request_line, "GET /api/tags?x=1 HTTP/1.1");
  EXPECT_TRUE(sent.values("Content-Length").empty());
  EXPECT_TRUE(sent.values("Content-Type").empty());
  EXPECT_TRUE(sent.body.empty());
  EXPECT_TRUE(bytes.ends_with("\r\n\r\n"));
}

// ---- ResponseParser ----

// What the parser reported, in order.
class Recording final : public ResponseEvents {
 public:
  // With stop_after_calls > 0, on_body asks to stop on that call.
  explicit Recording(int stop_after_calls = 0) : stop_after_calls_(stop_after_calls) {}

  void on_status(int status) override { statuses.push_back(status); }
  void on_header(std::string_view name_lower, std::string_view value) override {
    headers.emplace_back(name_lower, value);
  }
  void on_headers_done(int status) override { headers_done.push_back(status); }
  bool on_body(std::string_view bytes) override {
    body.append(bytes);
    ++body_calls;
    return stop_after_calls_ == 0 || body_calls < stop_after_calls_;
  }

  std::vector<int> statuses;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<int> headers_done;
  std::string body;
  int body_calls = 0;

 private:
  int stop_after_calls_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Feeds `pieces` in order. Every piece but the last must leave the message
// unfinished; returns the state after the last.
State feed_pieces(ResponseParser& parser, const std::vector<std::string_view>& pieces) {
  State state = State::kMore;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    state = parser.feed(pieces[i]);
    if (i + 1 < pieces.size()) {
      EXPECT_EQ(state, State::kMore) << "after piece " << i;
    }
  }
  return state;
}

const std::string kChunked =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/x-ndjson\r\n"
    "Transfer-Encoding: chunked\r\n"
    "X-Request-ID: abc\r\n"
    "\r\n"
    "e\r\n{\"response\":1}\r\n"
    "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
    "1;ext=1\r\n\n\r\n"
    "0\r\n\r\n";
const std::string kChunkedBody = "{\"response\":1}abcdefghijklmnopqrstuvwxyz\n";
const Headers kChunkedHeaders = {{"content-type", "application/x-ndjson"},
                                 {"transfer-encoding", "chunked"},
                                 {"x-request-id", "abc"}};

void expect_chunked_reported(const Recording& seen, const std::string& how) {
  EXPECT_EQ(seen.statuses, std::vector<int>{200}) << how;
  EXPECT_EQ(seen.headers, kChunkedHeaders) << how;
  EXPECT_EQ(seen.headers_done, std::vector<int>{200}) << how;
  EXPECT_EQ(seen.body, kChunkedBody) << how;
}

TEST(PlainResponseParser, ChunkedResponseFedWhole) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed(kChunked), State::kDone);
  expect_chunked_reported(seen, "whole");
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_FALSE(parser.leftover());
}

TEST(PlainResponseParser, ChunkedResponseSplitAtEveryPosition) {
  const std::string_view all = kChunked;
  for (std::size_t cut = 1; cut < all.size(); ++cut) {
    Recording seen;
    ResponseParser parser(seen);
    const auto state = feed_pieces(parser, {all.substr(0, cut), all.substr(cut)});
    const std::string how = "split at " + std::to_string(cut);
    EXPECT_EQ(state, State::kDone) << how;
    expect_chunked_reported(seen, how);
    EXPECT_FALSE(parser.leftover()) << how;
    if (::testing::Test::HasFailure()) break;  // one position's report is enough
  }
}

TEST(PlainResponseParser, ChunkedResponseOneByteAtATime) {
  std::vector<std::string_view> bytes;
  const std::string_view all = kChunked;
  for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.substr(i, 1));
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(feed_pieces(parser, bytes), State::kDone);
  expect_chunked_reported(seen, "byte by byte");
  EXPECT_FALSE(parser.leftover());
}

TEST(PlainResponseParser, ContentLengthBody) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(
      feed_pieces(parser, {"HTTP/1.1 404 Not Found\r\nContent-Length: 11\r\n\r\nhello", " world"}),
      State::kDone);
  EXPECT_EQ(seen.headers_done, std::vector<int>{404});
  EXPECT_EQ(seen.headers, (Headers{{"content-length", "11"}}));
  EXPECT_EQ(seen.body, "hello world");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(PlainResponseParser, EmptyBodyEndsWithTheHeaders) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.1 204 No Content\r\n\r\n"), State::kDone);
  EXPECT_EQ(seen.headers_done, std::vector<int>{204});
  EXPECT_TRUE(seen.body.empty());
}

TEST(PlainResponseParser, CloseDelimitedBodyEndsAtEof) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(
      feed_pieces(parser, {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ", "second"}),
      State::kMore);
  EXPECT_EQ(seen.body, "first second");  // handed on as it came, before the end is known
  EXPECT_EQ(parser.eof(), State::kDone);
  EXPECT_EQ(seen.body, "first second");
  EXPECT_FALSE(parser.keep_alive());
}

TEST(PlainResponseParser, TruncatedChunkedBodyIsAnErrorAtEof) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(
      parser.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nwo"),
      State::kMore);
  EXPECT_EQ(seen.body, "hellowo");
  EXPECT_EQ(parser.eof(), State::kError);
  EXPECT_FALSE(parser.error().empty());
}

TEST(PlainResponseParser, TruncatedHeaderIsAnErrorAtEof) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Le"), State::kMore);
  EXPECT_EQ(parser.eof(), State::kError);
  EXPECT_FALSE(parser.error().empty());
  EXPECT_TRUE(seen.headers_done.empty());
}

TEST(PlainResponseParser, EofBeforeAnyByteIsAnError) {
  // A server that closes a new connection without a word has not answered;
  // libcurl calls it "Empty reply from server".
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.eof(), State::kError);
  EXPECT_FALSE(parser.error().empty());
}

TEST(PlainResponseParser, EofBeforeAnyByteOfTheNextResponseIsAnError) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed(kChunked), State::kDone);
  parser.restart();
  EXPECT_EQ(parser.eof(), State::kError);
  EXPECT_FALSE(parser.error().empty());
}

const std::string kContinueThenOk =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok";

void expect_final_after_continue(const Recording& seen, const std::string& how) {
  ASSERT_FALSE(seen.statuses.empty()) << how;
  EXPECT_EQ(seen.statuses.back(), 200) << how;
  ASSERT_FALSE(seen.headers_done.empty()) << how;
  EXPECT_EQ(seen.headers_done.back(), 200) << how;
  EXPECT_EQ(seen.body, "ok") << how;
  EXPECT_EQ(seen.headers.back(), (std::pair<std::string, std::string>{"x-final", "yes"})) << how;
}

TEST(PlainResponseParser, InterimContinueThenTheFinalAnswer) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed(kContinueThenOk), State::kDone);
  EXPECT_EQ(seen.statuses, (std::vector<int>{100, 200}));
  expect_final_after_continue(seen, "whole");
  EXPECT_FALSE(parser.leftover());
  EXPECT_TRUE(parser.keep_alive());
}

TEST(PlainResponseParser, InterimContinueThenTheFinalAnswerSplitAtEveryPosition) {
  const std::string_view all = kContinueThenOk;
  for (std::size_t cut = 1; cut < all.size(); ++cut) {
    Recording seen;
    ResponseParser parser(seen);
    const std::string how = "split at " + std::to_string(cut);
    EXPECT_EQ(feed_pieces(parser, {all.substr(0, cut), all.substr(cut)}), State::kDone) << how;
    expect_final_after_continue(seen, how);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(PlainResponseParser, GarbageStatusLineIsAnError) {
  for (const std::string_view garbage :
       {"GARBAGE\r\n\r\n", "HTTP/1.1 two hundred OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: banana\r\n\r\n"}) {
    Recording seen;
    ResponseParser parser(seen);
    EXPECT_EQ(parser.feed(garbage), State::kError) << garbage;
    EXPECT_FALSE(parser.error().empty()) << garbage;
  }
}

TEST(PlainResponseParser, ConnectionCloseMeansNoKeepAlive) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
            State::kDone);
  EXPECT_FALSE(parser.keep_alive());
}

TEST(PlainResponseParser, Http10WithoutKeepAliveMeansNoKeepAlive) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), State::kDone);
  EXPECT_FALSE(parser.keep_alive());
}

TEST(PlainResponseParser, BytesPastTheMessageAreLeftOver) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n"),
            State::kDone);
  EXPECT_EQ(seen.body, "ok");
  EXPECT_TRUE(parser.leftover());
}

TEST(PlainResponseParser, RestartParsesTheNextResponseOnTheConnection) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"), State::kDone);
  parser.restart();
  EXPECT_EQ(feed_pieces(parser, {"HTTP/1.1 201 Created\r\nContent-Le", "ngth: 3\r\n\r\ntwo"}),
            State::kDone);
  EXPECT_EQ(seen.statuses, (std::vector<int>{200, 201}));
  EXPECT_EQ(seen.headers_done, (std::vector<int>{200, 201}));
  EXPECT_EQ(seen.body, "onetwo");
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_FALSE(parser.leftover());
}

TEST(PlainResponseParser, RestartForgetsAnUnfinishedHeaderAnErrorAndLeftovers) {
  Recording seen;
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokX"), State::kDone);
  EXPECT_TRUE(parser.leftover());
  parser.restart();
  EXPECT_FALSE(parser.leftover());
  EXPECT_EQ(parser.feed("GARBAGE\r\n\r\n"), State::kError);
  parser.restart();
  EXPECT_TRUE(parser.error().empty());
  EXPECT_EQ(parser.feed("HTTP/1.1 500 Internal Serv"), State::kMore);
  parser.restart();
  EXPECT_EQ(parser.feed(kChunked), State::kDone);
  EXPECT_EQ(seen.headers_done, (std::vector<int>{200, 200}));
  EXPECT_EQ(seen.body, "ok" + kChunkedBody);
}

TEST(PlainResponseParser, AHandlerThatHasSeenEnoughStopsTheParse) {
  Recording seen(1);
  ResponseParser parser(seen);
  EXPECT_EQ(parser.feed(kChunked), State::kStopped);
  EXPECT_EQ(seen.body_calls, 1);
  EXPECT_EQ(seen.body, "{\"response\":1}");
}

}  // namespace
}  // namespace chimera::http::plain
