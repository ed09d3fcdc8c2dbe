#pragma once
// Which server a command talks to: a URL given by the user, the default for
// the backend kind, or a simulator started in this process (--sim).

#include <string>
#include <vector>

#include "chimera/orchestrate/common/sim_launcher.hpp"

namespace chimera::orchestrate {

// The base URL a client of `backend_kind` uses for a simulator at `sim_url`:
// an OpenAI-compatible client reaches it under /v1.
std::string simulator_url(const std::string& sim_url, const std::string& backend_kind);

// The user's URL, or the default server of `backend_kind` when none is given.
std::string server_url(const std::string& endpoint, const std::string& backend_kind);

// Whether a command's figures are labelled SIMULATED: they are when it started
// its own simulator (`started_here`, --sim) and when a server it was pointed
// at said it is Chimera's simulator (`simulators`: their URLs, from
// backends::ServerInfo::simulator). The second case is said on stderr,
// once, by `command` ("chimera run").
bool label_simulated(bool started_here, const std::vector<std::string>& simulators,
                     const std::string& command);

}  // namespace chimera::orchestrate
