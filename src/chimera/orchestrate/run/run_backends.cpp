#include "chimera/orchestrate/run/run_backends.hpp"

#include <fmt/format.h>

#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

RunBackends::RunBackends(const AgentRunOptions& options) {
  for (const auto& spec : options.scenario.agents) {
    per_agent_.push_back(
        get(spec.endpoint.empty() ? options.default_endpoint : spec.endpoint, options));
  }
}

std::vector<std::string> RunBackends::check_reachable() const {
  std::vector<std::string> simulators;
  for (const auto& [url, backend] : by_url_) {
    const auto info = backend->server_info();
    if (!info) {
      throw Error(fmt::format(
          "{}\nNothing was run. Start the server (for Ollama: `ollama serve`, then `ollama "
          "pull gemma3:latest`), point --endpoint or OLLAMA_HOST at it, or try Chimera with "
          "--sim, which starts a built-in simulated server.",
          info.error().message));
    }
    if (!info->simulator.empty()) simulators.push_back(url);
  }
  return simulators;
}

backends::Backend* RunBackends::get(const std::string& url, const AgentRunOptions& options) {
  if (auto it = by_url_.find(url); it != by_url_.end()) return it->second.get();
  backends::BackendOptions bo;
  bo.kind = options.backend_kind;
  bo.url = url;
  bo.cold_threshold_ms = options.cold_threshold_ms;
  bo.max_line_bytes = options.max_line_bytes;
  bo.call_timeouts = options.timeouts;  // the pre-check obeys the user's limits too
  auto made = value_or_throw<UsageError>(backends::make_backend(bo));
  auto* raw = made.get();
  by_url_.emplace(url, std::move(made));
  return raw;
}

}  // namespace chimera::orchestrate
