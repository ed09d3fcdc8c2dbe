#include "chimera/orchestrate/common/server.hpp"

#include "chimera/backends/backend.hpp"

namespace chimera::orchestrate {

std::string simulator_url(const std::string& sim_url, const std::string& backend_kind) {
  return backend_kind == "openai" ? sim_url + "/v1" : sim_url;
}

std::string server_url(const std::string& endpoint, const std::string& backend_kind) {
  if (!endpoint.empty()) return endpoint;
  return backend_kind == "openai" ? backends::default_openai_url() : backends::default_ollama_url();
}

}  // namespace chimera::orchestrate
