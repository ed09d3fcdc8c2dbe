#include "support/raw_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace chimera::testing {
namespace {

// The request head and its Content-Length body; false when the peer closed first.
bool read_request(int fd, RawRequest& request) {
  std::string data;
  char buffer[4096];
  std::size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    const auto got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0) return false;
    data.append(buffer, static_cast<std::size_t>(got));
  }
  const std::string head = data.substr(0, head_end);
  const auto first_space = head.find(' ');
  const auto second_space = head.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return false;
  request.method = head.substr(0, first_space);
  request.path = head.substr(first_space + 1, second_space - first_space - 1);
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t length = 0;
  if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::stoul(lower.substr(at + 17));
  }
  request.body = data.substr(head_end + 4);
  while (request.body.size() < length) {
    const auto got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0) return false;
    request.body.append(buffer, static_cast<std::size_t>(got));
  }
  return true;
}

std::string json_answer(const std::string& body) {
  return fmt::format(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      body.size(), body);
}

}  // namespace

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string stream_head(const std::string& content_type, int status,
                        const std::string& extra_headers) {
  return fmt::format("HTTP/1.1 {} X\r\nContent-Type: {}\r\n{}Connection: close\r\n\r\n", status,
                     content_type, extra_headers);
}

RawServer::RawServer(Handler handler, std::string model)
    : handler_(std::move(handler)), model_(std::move(model)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("raw server: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

RawServer::~RawServer() {
  stopping_.store(true);
  ::shutdown(listen_fd_, SHUT_RDWR);
  {
    std::lock_guard lock(mutex_);
    for (const int fd : peers_) ::shutdown(fd, SHUT_RDWR);
  }
  acceptor_.join();
  for (auto& worker : workers_) worker.join();
  ::close(listen_fd_);
}

std::string RawServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void RawServer::accept_loop() {
  while (!stopping_.load()) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;  // the destructor shut the listener down
    }
    std::lock_guard lock(mutex_);
    if (stopping_.load()) {
      ::close(fd);
      return;
    }
    peers_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void RawServer::serve(int fd) {
  RawRequest request;
  if (read_request(fd, request) && !answer_listing(fd, request)) {
    generations_.fetch_add(1);
    handler_(fd, request, stopping_);
  }
  std::lock_guard lock(mutex_);
  peers_.erase(std::remove(peers_.begin(), peers_.end(), fd), peers_.end());
  ::close(fd);
}

bool RawServer::answer_listing(int fd, const RawRequest& request) const {
  const std::string& path = request.path;
  std::string body;
  if (path == "/api/version") {
    body = R"({"version":"0.0.0-raw"})";
  } else if (path == "/api/tags") {
    body = fmt::format(R"({{"models":[{{"name":"{}","size":1}}]}})", model_);
  } else if (path == "/api/show") {
    body = R"({"details":{}})";
  } else if (path == "/v1/models") {
    body = fmt::format(R"({{"data":[{{"id":"{}"}}]}})", model_);
  } else {
    return false;
  }
  send_all(fd, json_answer(body));
  return true;
}

}  // namespace chimera::testing
