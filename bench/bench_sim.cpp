// The simulator under load, with a small Asio load generator in this file:
//  - SimThroughput: rate limits off, 1,000 concurrent streams held at once,
//    aggregate tokens/s (target >= 200,000 on the 2-core reference machine).
//  - SimGapAccuracy: rate limits on, 64 concurrent streams at 100 tok/s,
//    p99 of |inter-token gap - model gap| (target <= 1 ms).
// Results and the commands that reproduce them: docs/perf/sim.md.

// clang-format off
#include <utility>  // Asio 1.74's awaitable.hpp uses std::exchange without including it.
// clang-format on
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "chimera/sim/server.hpp"

namespace {

namespace net = boost::asio;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTokenMarker = "\"done\":false}";

struct StreamResult {
  std::vector<Clock::time_point> token_times;
  std::int64_t tokens = 0;
  bool complete = false;
};

// Every client connects first and sends its request only when all are
// connected, so the streams really overlap instead of the first ones finishing
// before the last ones connect.
struct StartGate {
  explicit StartGate(net::io_context& io, int expected) : timer(io), waiting_for(expected) {
    timer.expires_at(Clock::time_point::max());
  }
  net::awaitable<void> arrive() {
    if (--waiting_for == 0) {
      timer.cancel();
      co_return;
    }
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  net::steady_timer timer;
  int waiting_for;
};

net::awaitable<void> run_stream(tcp::endpoint endpoint, int tokens, bool keep_times,
                                StartGate& gate, StreamResult& result) {
  auto executor = co_await net::this_coro::executor;
  tcp::socket socket(executor);
  boost::system::error_code ec;
  co_await socket.async_connect(endpoint, net::redirect_error(net::use_awaitable, ec));
  co_await gate.arrive();
  if (ec) co_return;
  const std::string body =
      "{\"model\":\"gemma3:latest\",\"prompt\":\"benchmark\",\"options\":{\"num_predict\":" +
      std::to_string(tokens) + "}}";
  const std::string request =
      "POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  co_await net::async_write(socket, net::buffer(request),
                            net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return;
  std::string carry;  // the end of the previous read, so a marker split across reads is found
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    const std::size_t n = co_await socket.async_read_some(
        net::buffer(buffer), net::redirect_error(net::use_awaitable, ec));
    if (n > 0) {
      const auto now = Clock::now();
      std::string_view chunk(buffer.data(), n);
      std::string window = carry;
      window.append(chunk);
      std::size_t pos = 0;
      while ((pos = window.find(kTokenMarker, pos)) != std::string::npos) {
        // Markers wholly inside `carry` were counted by the previous read.
        if (pos + kTokenMarker.size() > carry.size()) {
          ++result.tokens;
          if (keep_times) result.token_times.push_back(now);
        }
        pos += kTokenMarker.size();
      }
      if (window.find("\"done\":true") != std::string::npos) result.complete = true;
      carry = window.substr(
          window.size() > kTokenMarker.size() ? window.size() - kTokenMarker.size() + 1 : 0);
    }
    if (ec) break;
  }
}

std::vector<StreamResult> run_streams(int port, int streams, int tokens, bool keep_times,
                                      double& seconds) {
  net::io_context io;
  std::vector<StreamResult> results(static_cast<std::size_t>(streams));
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port));
  StartGate gate(io, streams);
  for (auto& r : results) {
    net::co_spawn(io, run_stream(endpoint, tokens, keep_times, gate, r), net::detached);
  }
  const auto start = Clock::now();
  io.run();
  seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return results;
}

void SimThroughput(benchmark::State& state) {
  const int streams = static_cast<int>(state.range(0));
  const int tokens = static_cast<int>(state.range(1));
  auto config = chimera::sim::default_sim_config();
  config.rate_limits = false;
  config.parallel = streams;
  config.max_queue = streams;
  config.threads = 1;
  for (auto _ : state) {
    chimera::sim::SimServer server(config);
    const int port = server.start();
    double seconds = 0;
    auto results = run_streams(port, streams, tokens, false, seconds);
    const auto counters = server.counters();
    server.stop();
    std::int64_t received = 0;
    std::int64_t complete = 0;
    for (const auto& r : results) {
      received += r.tokens;
      complete += r.complete ? 1 : 0;
    }
    state.SetIterationTime(seconds);
    state.counters["tokens_per_s"] = static_cast<double>(received) / seconds;
    state.counters["tokens"] = static_cast<double>(received);
    state.counters["complete_streams"] = static_cast<double>(complete);
    state.counters["peak_concurrent_streams"] = static_cast<double>(counters.peak_active_streams);
  }
}
BENCHMARK(SimThroughput)
    ->Args({1000, 8000})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void SimGapAccuracy(benchmark::State& state) {
  const int streams = static_cast<int>(state.range(0));
  const int tokens = static_cast<int>(state.range(1));
  auto config = chimera::sim::default_sim_config();
  config.parallel = streams;
  config.threads = 1;
  for (auto& m : config.models) {
    m.load_ms = 0;
    m.decode_tps = 100;
  }
  const double model_gap_ms = 1000.0 / 100.0;
  for (auto _ : state) {
    chimera::sim::SimServer server(config);
    const int port = server.start();
    double seconds = 0;
    auto results = run_streams(port, streams, tokens, true, seconds);
    server.stop();
    std::vector<double> deviations;
    for (const auto& r : results) {
      for (std::size_t i = 1; i < r.token_times.size(); ++i) {
        const double gap =
            std::chrono::duration<double, std::milli>(r.token_times[i] - r.token_times[i - 1])
                .count();
        deviations.push_back(std::abs(gap - model_gap_ms));
      }
    }
    std::sort(deviations.begin(), deviations.end());
    auto quantile = [&](double q) {
      return deviations.empty() ? 0.0
                                : deviations[static_cast<std::size_t>(
                                      q * static_cast<double>(deviations.size() - 1))];
    };
    state.SetIterationTime(seconds);
    state.counters["gaps"] = static_cast<double>(deviations.size());
    state.counters["p50_dev_ms"] = quantile(0.50);
    state.counters["p99_dev_ms"] = quantile(0.99);
    state.counters["max_dev_ms"] = deviations.empty() ? 0.0 : deviations.back();
  }
}
BENCHMARK(SimGapAccuracy)
    ->Args({64, 200})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
