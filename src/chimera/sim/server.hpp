#pragma once
// The inference-server simulator: a real HTTP/1.1 server (Boost.Beast) that
// speaks the Ollama and OpenAI APIs. `chimera sim` runs it as a process;
// `chimera run --sim` runs it inside the same process on a loopback port.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chimera/sim/config.hpp"
#include "chimera/sim/truth.hpp"

namespace chimera::sim {

// How the simulator says what it is, so that no client takes its figures for
// a real server's: this header on every response, and this field in the
// answers of /api/version and /v1/models, each carrying Chimera's version.
inline constexpr const char* kSimHeader = "X-Chimera-Sim";
inline constexpr const char* kSimField = "chimera_sim";

struct SimCounters {
  std::int64_t requests = 0;  // generation requests received
  std::int64_t active_streams = 0;
  std::int64_t peak_active_streams = 0;
  std::int64_t tokens_sent = 0;
};

class SimServer {
 public:
  explicit SimServer(SimConfig config);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds and serves on config().threads I/O threads; returns the bound port
  // (port 0 picks a free one). Throws chimera::Error when it cannot bind.
  int start(const std::string& host = "127.0.0.1", int port = 0);
  // Closes every connection and joins the I/O threads; safe to call twice.
  void stop();

  int port() const;
  std::string url() const;  // http://HOST:PORT
  const SimConfig& config() const;
  std::vector<RequestTruth> truth() const;
  void clear_truth();
  SimCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chimera::sim
