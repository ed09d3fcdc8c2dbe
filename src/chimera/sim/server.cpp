#include "chimera/sim/server.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <thread>

#include "chimera/sim/session.hpp"
#include "chimera/util/error.hpp"

namespace chimera::sim {

namespace net = boost::asio;
using net::ip::tcp;

struct SimServer::Impl {
  explicit Impl(SimConfig config) : state(std::move(config)) {}

  net::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      // Each connection gets its own strand, so its timers can be woken from any thread safely.
      tcp::socket socket = co_await acceptor.async_accept(
          net::make_strand(io), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
        // Out of file descriptors, say: wait a moment instead of spinning.
        net::steady_timer pause(io, std::chrono::milliseconds(10));
        co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      serve(std::move(socket));
      // Drain the backlog now: accepting one connection per trip through a
      // queue full of busy streams would let early streams finish before a
      // burst of new clients is even accepted.
      for (;;) {
        tcp::socket more(net::make_strand(io));
        acceptor.accept(more, ec);
        if (ec) break;
        serve(std::move(more));
      }
    }
  }

  void serve(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve_connection(std::move(socket), state), net::detached);
  }

  // Declared first: the coroutines destroyed with the io_context still refer to it.
  ServerState state;
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::string host;
  int port = 0;
  std::mutex lifecycle;
  bool running = false;
};

SimServer::SimServer(SimConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

SimServer::~SimServer() {
  stop();
}

int SimServer::start(const std::string& host, int port) {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->running) return impl_->port;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) throw Error(fmt::format("'{}' is not an IP address to listen on", host));
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) acceptor.non_blocking(true, ec);
  if (ec) {
    throw Error(fmt::format("cannot listen on {}:{}: {} (is the port in use? try --port 0)", host,
                            port, ec.message()));
  }
  impl_->state.started = ServerState::Clock::now();
  impl_->host = host;
  impl_->port = acceptor.local_endpoint().port();
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  for (int i = 0; i < impl_->state.config.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  impl_->running = true;
  return impl_->port;
}

void SimServer::stop() {
  std::lock_guard lock(impl_->lifecycle);
  if (!impl_->running) return;
  impl_->state.stopping = true;
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->running = false;
}

int SimServer::port() const {
  return impl_->port;
}

std::string SimServer::url() const {
  if (impl_->host.find(':') != std::string::npos) {
    return fmt::format("http://[{}]:{}", impl_->host, impl_->port);
  }
  return fmt::format("http://{}:{}", impl_->host, impl_->port);
}

const SimConfig& SimServer::config() const {
  return impl_->state.config;
}

std::vector<RequestTruth> SimServer::truth() const {
  return impl_->state.truth.snapshot();
}

void SimServer::clear_truth() {
  impl_->state.truth.clear();
}

SimCounters SimServer::counters() const {
  const auto& s = impl_->state;
  return SimCounters{s.requests.load(), s.active_streams.load(), s.peak_active_streams.load(),
                     s.tokens_sent.load()};
}

}  // namespace chimera::sim
