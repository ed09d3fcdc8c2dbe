#include "chimera/orchestrate/common/server.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "chimera/backends/backend.hpp"

namespace chimera::orchestrate {

std::string simulator_url(const std::string& sim_url, const std::string& backend_kind) {
  return backend_kind == "openai" ? sim_url + "/v1" : sim_url;
}

std::string server_url(const std::string& endpoint, const std::string& backend_kind) {
  if (!endpoint.empty()) return endpoint;
  return backend_kind == "openai" ? backends::default_openai_url() : backends::default_ollama_url();
}

bool label_simulated(bool started_here, const std::vector<std::string>& simulators,
                     const std::string& command) {
  if (started_here) return true;
  if (simulators.empty()) return false;
  fmt::print(stderr,
             "{}: {} answered as Chimera's simulator (chimera sim): every figure is labelled "
             "SIMULATED\n",
             command, fmt::join(simulators, ", "));
  return true;
}

}  // namespace chimera::orchestrate
