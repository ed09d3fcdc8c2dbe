#pragma once
// Agents (persona + profile + endpoint + dependencies) and scenarios (the agents
// that run together). Dependencies make a pipeline: an agent receives the answers
// of the agents it depends on.

#include <string>
#include <string_view>
#include <vector>

#include "chimera/agents/persona.hpp"
#include "chimera/agents/profile.hpp"
#include "chimera/util/error.hpp"

namespace chimera::agents {

struct AgentSpec {
  std::string name;
  Persona persona;
  Profile profile;
  std::string endpoint;  // empty: the run's default endpoint
  std::vector<std::string> depends_on;
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<AgentSpec> agents;
};

// Agent names unique and non-empty, every dependency names an agent of the
// scenario, no agent depends on itself, no cycles (the message shows one).
Expected<void> validate(const Scenario& scenario);

// Indexes into scenario.agents such that every agent comes after the agents it
// depends on: wave after wave, in the scenario's own order within a wave.
Expected<std::vector<std::size_t>> topological_order(const Scenario& scenario);

// Agents grouped in waves: the agents of one wave depend only on earlier waves,
// so a wave's agents can run concurrently.
Expected<std::vector<std::vector<std::size_t>>> dependency_waves(const Scenario& scenario);

// The same agents, each depending on the one before it (what `--pipeline` asks for).
Scenario as_pipeline(Scenario scenario);

}  // namespace chimera::agents
