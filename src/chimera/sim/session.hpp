#pragma once
// One HTTP/1.1 connection: read requests (keep-alive), route them, answer
// (internal to sim/).

// clang-format off
#include <utility>  // Asio 1.74's awaitable.hpp uses std::exchange without including it.
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "chimera/sim/state.hpp"

namespace chimera::sim {

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              ServerState& state);

}  // namespace chimera::sim
