#pragma once
// Which server a command talks to: a URL given by the user, the default for
// the backend kind, or a simulator started in this process (--sim).

#include <string>

#include "chimera/orchestrate/common/sim_launcher.hpp"

namespace chimera::orchestrate {

// The base URL a client of `backend_kind` uses for a simulator at `sim_url`:
// an OpenAI-compatible client reaches it under /v1.
std::string simulator_url(const std::string& sim_url, const std::string& backend_kind);

// The user's URL, or the default server of `backend_kind` when none is given.
std::string server_url(const std::string& endpoint, const std::string& backend_kind);

}  // namespace chimera::orchestrate
