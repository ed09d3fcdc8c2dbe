#include "chimera/orchestrate/common/warmup.hpp"

namespace chimera::orchestrate {

backends::GenerationRequest warmup_request(backends::GenerationRequest measured, std::string id) {
  measured.id = std::move(id);
  measured.warmup = true;
  return measured;
}

}  // namespace chimera::orchestrate
