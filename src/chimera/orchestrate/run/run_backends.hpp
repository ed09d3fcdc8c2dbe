#pragma once
// The clients of a `chimera run`: one backend per distinct endpoint, shared
// by the agents that name it; every server must answer before work starts.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chimera/backends/backend.hpp"
#include "chimera/orchestrate/run/agent_run.hpp"

namespace chimera::orchestrate {

class RunBackends {
 public:
  // UsageError for an endpoint no client can be made for.
  explicit RunBackends(const AgentRunOptions& options);
  backends::Backend* for_agent(std::size_t i) const { return per_agent_[i]; }

  // Asks every server for its version and models; Error, with what to do,
  // when one does not answer. Returns the URLs of those that said they are
  // Chimera's simulator.
  std::vector<std::string> check_reachable() const;

 private:
  backends::Backend* get(const std::string& url, const AgentRunOptions& options);

  std::map<std::string, std::unique_ptr<backends::Backend>> by_url_;
  std::vector<backends::Backend*> per_agent_;
};

}  // namespace chimera::orchestrate
