#pragma once
// The answer to one generation request: faults, queueing, load, prefill and
// the token stream, on the simulator's steady clock (internal to sim/).

// clang-format off
#include <utility>  // Asio 1.74's awaitable.hpp uses std::exchange without including it.
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "chimera/sim/request.hpp"
#include "chimera/sim/state.hpp"

namespace chimera::sim {

// Returns true when the connection can serve another request.
boost::asio::awaitable<bool> answer_generation(boost::asio::ip::tcp::socket& socket,
                                               ServerState& state, Api api, const std::string& body,
                                               const std::string& fault_header, bool keep_alive,
                                               std::string_view authorization = {});

// Status line and headers; content_length < 0 means a chunked stream.
std::string response_head(int status, std::string_view content_type, std::int64_t content_length,
                          bool keep_alive, std::uint64_t request_id = 0);

}  // namespace chimera::sim
