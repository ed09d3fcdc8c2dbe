// The plain transport on its own epoll loop, for what the Client cannot be
// made to show: an origin with several addresses, the first of which refuses.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "chimera/http/plain.hpp"
#include "chimera/http/plain_transport.hpp"
#include "chimera/http/transfer.hpp"

namespace chimera::http {
namespace {

plain::Address loopback(const char* ip, int port) {
  plain::Address a;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip, &in.sin_addr);
  std::memcpy(&a.storage, &in, sizeof in);
  a.length = sizeof in;
  return a;
}

// Answers every request on 127.0.0.1 with "ok", one connection at a time.
class OkServer {
 public:
  OkServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&in), sizeof in);
    listen(fd_, 8);
    socklen_t length = sizeof in;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&in), &length);
    port_ = ntohs(in.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OkServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void serve() {
    for (;;) {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      ++accepted_;
      char buffer[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      const std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(client);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class Body final : public StreamHandler {
 public:
  explicit Body(std::string& into) : into_(into) {}
  BodyAction on_body(std::string_view bytes, Clock::time_point) override {
    into_.append(bytes);
    return BodyAction::kToken;
  }
  void on_complete(const TransferOutcome&) override {}

 private:
  std::string& into_;
};

// A minimal owner: runs the epoll loop until the transfer is finished.
class Loop final : public PlainTransport::Owner {
 public:
  Loop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), transport_(epoll_fd_, *this) {}
  ~Loop() override { close(epoll_fd_); }

  std::pair<TransferEnd, std::string> run(Transfer& transfer) {
    finished_ = false;
    transport_.begin(transfer);
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    while (!finished_ && Clock::now() < give_up) {
      epoll_event events[8];
      const int n = epoll_wait(epoll_fd_, events, 8, 100);
      for (int i = 0; i < n; ++i) {
        transport_.on_event(static_cast<int>(events[i].data.u64 & ~PlainTransport::kTag),
                            events[i].events);
      }
    }
    EXPECT_TRUE(finished_) << "the transfer did not finish";
    return {end_, message_};
  }

  void plain_finished(std::uint64_t, TransferEnd end, std::string message) override {
    finished_ = true;
    end_ = end;
    message_ = std::move(message);
  }
  void plain_limits_changed(Transfer&) override {}

 private:
  int epoll_fd_;
  PlainTransport transport_;
  bool finished_ = false;
  TransferEnd end_ = TransferEnd::kOtherError;
  std::string message_;
};

std::unique_ptr<Transfer> transfer_to(std::shared_ptr<const plain::Origin> origin,
                                      std::string& body) {
  auto t = std::make_unique<Transfer>();
  t->request.url = "http://example.invalid/";
  t->plain = plain::Target{std::move(origin), "/"};
  t->handler = std::make_unique<Body>(body);
  return t;
}

TEST(PlainTransport, TriesTheNextAddressWhenOneRefuses) {
  OkServer server;
  auto origin = std::make_shared<plain::Origin>();
  origin->key = "two-addresses";
  origin->description = "two-addresses port " + std::to_string(server.port());
  // 127.0.0.2 is loopback too, but the server listens on 127.0.0.1 only.
  origin->addresses = {loopback("127.0.0.2", server.port()), loopback("127.0.0.1", server.port())};
  Loop loop;
  std::string body;
  auto first = transfer_to(origin, body);
  const auto [end, message] = loop.run(*first);
  EXPECT_EQ(end, TransferEnd::kOk) << message;
  EXPECT_EQ(body, "ok");
  EXPECT_EQ(first->outcome.http_status, 200);
  EXPECT_EQ(origin->preferred.load(), 1u);  // the next connection starts at the one that worked

  body.clear();
  auto second = transfer_to(origin, body);
  EXPECT_EQ(loop.run(*second).first, TransferEnd::kOk);
  EXPECT_EQ(body, "ok");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(PlainTransport, EveryAddressRefusingIsAConnectFailureNamingTheOrigin) {
  OkServer server;  // only for a port number nobody listens on at 127.0.0.2/3
  auto origin = std::make_shared<plain::Origin>();
  origin->key = "none";
  origin->description = "nowhere port " + std::to_string(server.port());
  origin->addresses = {loopback("127.0.0.2", server.port()), loopback("127.0.0.3", server.port())};
  Loop loop;
  std::string body;
  auto t = transfer_to(origin, body);
  const auto [end, message] = loop.run(*t);
  EXPECT_EQ(end, TransferEnd::kConnectFailed);
  EXPECT_NE(message.find("nowhere port"), std::string::npos) << message;
  EXPECT_NE(message.find("refused"), std::string::npos) << message;
}

}  // namespace
}  // namespace chimera::http
