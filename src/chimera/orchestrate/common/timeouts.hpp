#pragma once
// The default time limits per request, in one place. A benchmark request has a
// short prompt: the request-level defaults of backends::Timeouts apply. An
// agent's call carries a data summary of thousands of tokens and asks for a
// long answer, so its first token and its whole answer get more time.

#include "chimera/backends/backend.hpp"

namespace chimera::orchestrate {

inline backends::Timeouts bench_timeouts() {
  return backends::Timeouts{};
}

inline backends::Timeouts agent_timeouts() {
  backends::Timeouts t;
  t.first_token_ms = 300'000;
  t.idle_ms = 120'000;
  t.total_ms = 1'800'000;
  return t;
}

}  // namespace chimera::orchestrate
