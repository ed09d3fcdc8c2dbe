#include "chimera/http/plain_transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "chimera/http/plain.hpp"
#include "chimera/http/transfer.hpp"

namespace chimera::http {

namespace {

constexpr std::size_t kReadBytes = 256 * 1024;
constexpr std::size_t kMaxIdlePerOrigin = 4096;

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace

// One socket and the transfer it carries, if any.
struct PlainTransport::Connection final : plain::ResponseEvents {
  enum class Phase { kConnecting, kSending, kReceiving, kIdle };

  int fd = -1;
  std::shared_ptr<const plain::Origin> origin;
  Phase phase = Phase::kConnecting;
  bool writable_watched = false;
  Transfer* transfer = nullptr;
  std::size_t attempt = 0;  // while connecting: which of the origin's addresses, from preferred
  bool reused = false;      // the request went out on a pooled connection
  bool answered = false;    // a byte of the answer arrived
  std::string out;          // the request's bytes
  std::size_t sent = 0;
  plain::ResponseParser parser{*this};
  Clock::time_point read_at;  // when the bytes being parsed came off the socket
  std::map<std::string, std::string> headers_cache;                // the last answer's headers
  std::vector<std::map<std::string, std::string>::iterator> seen;  // this answer's
  std::string name_scratch;
  PlainTransport* transport = nullptr;

  // The previous answer's header map is reused: a server sends the same
  // names every time, so the names and values are overwritten in place
  // rather than allocated again for every answer.
  void on_status(int /*status*/) override {
    transfer->response_headers.swap(headers_cache);
    headers_cache.clear();
    seen.clear();
  }
  void on_header(std::string_view name_lower, std::string_view value) override {
    auto& headers = transfer->response_headers;
    name_scratch.assign(name_lower);
    auto it = headers.find(name_scratch);
    if (it == headers.end()) it = headers.emplace(name_scratch, std::string()).first;
    it->second.assign(value);
    seen.push_back(it);
  }
  void on_headers_done(int status) override {
    auto& headers = transfer->response_headers;
    for (auto it = headers.begin(); it != headers.end();) {  // names this answer did not send
      it =
          std::find(seen.begin(), seen.end(), it) == seen.end() ? headers.erase(it) : std::next(it);
    }
    transfer->deliver_headers(status);
  }
  // Called when the connection is done with the transfer.
  void keep_headers() { headers_cache.swap(transfer->response_headers); }
  bool on_body(std::string_view bytes) override {
    const bool first = !transfer->body_started;
    const bool go_on = transfer->deliver_body(bytes, read_at);
    if (first && go_on) transport->owner_.plain_limits_changed(*transfer);
    return go_on;
  }
};

PlainTransport::PlainTransport(int epoll_fd, Owner& owner)
    : epoll_fd_(epoll_fd), owner_(owner), buffer_(kReadBytes) {}

PlainTransport::~PlainTransport() {
  for (auto& c : by_fd_) {
    if (c) close(c->fd);
  }
}

void PlainTransport::watch(Connection& c, bool writable, bool add) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (writable ? EPOLLOUT : 0u);
  ev.data.u64 = kTag | static_cast<std::uint64_t>(c.fd);
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
  c.writable_watched = writable;
}

int PlainTransport::take_idle(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return -1;
  const int fd = it->second.back();
  it->second.pop_back();
  return fd;
}

void PlainTransport::begin(Transfer& transfer) {
  const int fd = take_idle(transfer.plain->origin->key);
  if (fd < 0) {
    open(transfer);  // a failure finishes the transfer
    return;
  }
  Connection& c = *by_fd_[static_cast<std::size_t>(fd)];
  c.transfer = &transfer;
  c.reused = true;
  c.answered = false;
  c.out = plain::serialize(transfer.request, *transfer.plain);
  c.sent = 0;
  c.parser.restart();
  c.phase = Connection::Phase::kSending;
  transfer.plain_fd = fd;
  transfer.connected = true;
  send_pending(c);
}

bool PlainTransport::open(Transfer& transfer, std::size_t attempt) {
  const auto& origin = transfer.plain->origin;
  const auto& addresses = origin->addresses;
  const std::size_t index = (origin->preferred.load() + attempt) % addresses.size();
  const auto& address = addresses[index];
  const int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    owner_.plain_finished(transfer.id, TransferEnd::kOtherError,
                          "could not open a socket: " + errno_text(errno));
    return false;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 &&
      errno != EINPROGRESS) {
    const int error = errno;
    close(fd);
    return connect_failed(transfer, attempt, error);
  }
  if (by_fd_.size() <= static_cast<std::size_t>(fd))
    by_fd_.resize(static_cast<std::size_t>(fd) + 1);
  auto c = std::make_unique<Connection>();
  c->fd = fd;
  c->origin = origin;
  c->attempt = attempt;
  c->transport = this;
  c->transfer = &transfer;
  c->out = plain::serialize(transfer.request, *transfer.plain);
  transfer.plain_fd = fd;
  transfer.connected = false;
  if (attempt == 0) transfer.connect_from = Clock::now();
  watch(*c, true, true);  // writable once connected
  by_fd_[static_cast<std::size_t>(fd)] = std::move(c);
  return true;
}

// The next address, or the failure once every address was tried.
bool PlainTransport::connect_failed(Transfer& transfer, std::size_t attempt, int error) {
  const auto& origin = *transfer.plain->origin;
  if (attempt + 1 < origin.addresses.size()) return open(transfer, attempt + 1);
  transfer.plain_fd = -1;
  owner_.plain_finished(transfer.id, TransferEnd::kConnectFailed,
                        "Failed to connect to " + origin.description + ": " + errno_text(error));
  return false;
}

void PlainTransport::on_connected(Connection& c) {
  int error = 0;
  socklen_t length = sizeof error;
  getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) {
    Transfer& transfer = *c.transfer;
    const auto attempt = c.attempt;
    c.transfer = nullptr;
    close_connection(c.fd);
    connect_failed(transfer, attempt, error);
    return;
  }
  const auto& origin = *c.origin;
  origin.preferred.store((origin.preferred.load() + c.attempt) % origin.addresses.size());
  c.attempt = 0;
  c.transfer->connected = true;
  c.phase = Connection::Phase::kSending;
  send_pending(c);
}

void PlainTransport::send_pending(Connection& c) {
  if (c.sent == 0) c.transfer->mark_sending(Clock::now());
  while (c.sent < c.out.size()) {
    const auto n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (errno == EINTR) continue;
      if (!c.writable_watched) watch(c, true, false);
      return;
    } else {
      closed_by_peer(c, errno);
      return;
    }
  }
  c.phase = Connection::Phase::kReceiving;
  if (c.writable_watched) watch(c, false, false);
}

void PlainTransport::on_event(int fd, std::uint32_t events) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= by_fd_.size() ||
      !by_fd_[static_cast<std::size_t>(fd)]) {
    return;
  }
  Connection& c = *by_fd_[static_cast<std::size_t>(fd)];
  switch (c.phase) {
    case Connection::Phase::kIdle:  // the server closed it, or spoke unasked
      close_connection(fd);
      return;
    case Connection::Phase::kConnecting:
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
      return;
    case Connection::Phase::kSending:
      // The server may answer (an error) before it has read the whole
      // request; the answer is read once the socket takes no more bytes.
      if (events & EPOLLOUT) {
        send_pending(c);
      } else {
        receive(c);
      }
      return;
    case Connection::Phase::kReceiving:
      receive(c);
      return;
  }
}

void PlainTransport::receive(Connection& c) {
  const auto n = recv(c.fd, buffer_.data(), buffer_.size(), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    closed_by_peer(c, n == 0 ? 0 : errno);
    return;
  }
  c.read_at = Clock::now();
  c.answered = true;
  switch (c.parser.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)))) {
    case plain::ResponseParser::State::kMore:
      return;
    case plain::ResponseParser::State::kDone:
      finish(c, TransferEnd::kOk, "", c.parser.keep_alive() && !c.parser.leftover());
      return;
    case plain::ResponseParser::State::kStopped:
      finish(c, TransferEnd::kStoppedByHandler, "", false);
      return;
    case plain::ResponseParser::State::kError:
      finish(c, TransferEnd::kOtherError, c.parser.error(), false);
      return;
  }
}

// The peer closed (error 0) or reset the connection, or a send failed.
void PlainTransport::closed_by_peer(Connection& c, int error) {
  if (c.reused && !c.answered) {
    // A pooled connection the server had already given up: try a new one.
    Transfer& transfer = *c.transfer;
    c.transfer = nullptr;
    close_connection(c.fd);
    if (open(transfer)) owner_.plain_limits_changed(transfer);
    return;
  }
  if (error == 0 && c.parser.eof() == plain::ResponseParser::State::kDone) {
    finish(c, TransferEnd::kOk, "", false);
    return;
  }
  std::string message = error == 0 ? c.parser.error() : "connection lost: " + errno_text(error);
  finish(c, TransferEnd::kConnectionLost, std::move(message), false);
}

void PlainTransport::finish(Connection& c, TransferEnd end, std::string message, bool reuse) {
  if (reuse) c.keep_headers();
  Transfer* transfer = c.transfer;
  c.transfer = nullptr;
  transfer->plain_fd = -1;
  auto& pool = idle_[c.origin->key];
  if (reuse && pool.size() < kMaxIdlePerOrigin) {
    c.phase = Connection::Phase::kIdle;
    pool.push_back(c.fd);
  } else {
    close_connection(c.fd);
  }
  owner_.plain_finished(transfer->id, end, std::move(message));
}

void PlainTransport::abort(Transfer& transfer) {
  if (transfer.plain_fd < 0) return;
  const int fd = transfer.plain_fd;
  transfer.plain_fd = -1;
  by_fd_[static_cast<std::size_t>(fd)]->transfer = nullptr;
  close_connection(fd);
}

void PlainTransport::close_connection(int fd) {
  auto& slot = by_fd_[static_cast<std::size_t>(fd)];
  if (!slot) return;
  if (slot->phase == Connection::Phase::kIdle) {
    auto& pool = idle_[slot->origin->key];
    pool.erase(std::remove(pool.begin(), pool.end(), fd), pool.end());
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  slot.reset();
}

}  // namespace chimera::http
