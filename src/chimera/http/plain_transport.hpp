#pragma once
// The plain transport: HTTP/1.1 over non-blocking TCP sockets on the client's
// epoll loop, with a pool of idle keep-alive connections per origin. A socket
// stays registered for reading for its whole life, so a request on a pooled
// connection costs one send and the reads of its answer, nothing more.
//
// A request that finds its pooled connection closed by the server before any
// answer (a keep-alive timeout racing the request) is sent again, once, on a
// new connection, as browsers and libcurl do.
//
// Loop thread only.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chimera/http/client.hpp"

namespace chimera::http {

struct Transfer;

class PlainTransport {
 public:
  // The loop that owns the transfers.
  class Owner {
   public:
    virtual ~Owner() = default;
    // The transport is done with the transfer; the owner completes it.
    virtual void plain_finished(std::uint64_t id, TransferEnd end, std::string message) = 0;
    // The first body bytes arrived (the idle limit starts), or a new
    // connection attempt began (its connect limit starts): the owner
    // schedules the transfer's next limit again.
    virtual void plain_limits_changed(Transfer& transfer) = 0;
  };

  // epoll data of the transport's sockets: the descriptor with this bit set.
  static constexpr std::uint64_t kTag = std::uint64_t{1} << 63;

  PlainTransport(int epoll_fd, Owner& owner);
  ~PlainTransport();  // closes every connection
  PlainTransport(const PlainTransport&) = delete;
  PlainTransport& operator=(const PlainTransport&) = delete;

  // Sends the transfer's request on an idle connection to its origin, or a new one.
  void begin(Transfer& transfer);
  void on_event(int fd, std::uint32_t events);
  // The loop ends the transfer itself (a limit, a cancel): its connection
  // closes, and plain_finished is not called.
  void abort(Transfer& transfer);

 private:
  struct Connection;
  // A new connection, to the origin's addresses from `attempt` on. False
  // when no address could be tried: the transfer is finished (and gone).
  bool open(Transfer& transfer, std::size_t attempt = 0);
  bool connect_failed(Transfer& transfer, std::size_t attempt, int error);
  void send_pending(Connection& c);
  void receive(Connection& c);
  void closed_by_peer(Connection& c, int error);
  void on_connected(Connection& c);
  void finish(Connection& c, TransferEnd end, std::string message, bool reuse);
  void close_connection(int fd);
  void watch(Connection& c, bool writable, bool add);
  int take_idle(const std::string& key);

  int epoll_fd_;
  Owner& owner_;
  std::vector<std::unique_ptr<Connection>> by_fd_;
  std::unordered_map<std::string, std::vector<int>> idle_;  // origin key -> descriptors
  std::vector<char> buffer_;                                // one read's bytes
};

}  // namespace chimera::http
