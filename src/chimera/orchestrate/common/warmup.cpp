#include "chimera/orchestrate/common/warmup.hpp"

namespace chimera::orchestrate {

backends::GenerationRequest warmup_request(backends::GenerationRequest measured, std::string id,
                                           WarmupPrompt prompt) {
  measured.id = std::move(id);
  measured.warmup = true;
  if (prompt == WarmupPrompt::kShort) {
    measured.system.clear();
    measured.prompt = "Reply with the single word OK.";
    measured.options["num_predict"] = 4;
  }
  return measured;
}

}  // namespace chimera::orchestrate
