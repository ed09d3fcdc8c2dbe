#pragma once
// The one warm-up builder. A warm-up loads the model before it is timed, so it
// must look to the server like the measured call: same model, API, options,
// headers and timeouts. Only the id, the warm-up mark and (optionally) the
// prompt differ.

#include <string>

#include "chimera/backends/backend.hpp"

namespace chimera::orchestrate {

enum class WarmupPrompt {
  kSame,   // the measured prompt itself (bench: the prompt is short and repeated)
  kShort,  // a four-token "OK" reply: the agent's long prompt stays uncached
};

backends::GenerationRequest warmup_request(backends::GenerationRequest measured, std::string id,
                                           WarmupPrompt prompt);

}  // namespace chimera::orchestrate
