#pragma once
// The one warm-up builder. A warm-up loads the model before it is timed and
// pays any first-of-a-shape cost (an engine's first prefill of a new prompt
// length, kernel compilation), so it is the measured request itself: same
// model, API, prompt, options, headers and timeouts. Only the id and the
// warm-up mark differ.

#include <string>

#include "chimera/backends/backend.hpp"

namespace chimera::orchestrate {

backends::GenerationRequest warmup_request(backends::GenerationRequest measured, std::string id);

}  // namespace chimera::orchestrate
