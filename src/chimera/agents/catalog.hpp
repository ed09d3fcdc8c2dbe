#pragma once
// Everything a run can be asked for by name: personas, profiles, agents and
// scenarios. Starts with the built-ins; a config file adds to it or replaces
// entries of the same name. Scenarios are kept by name and resolved on request,
// so a user's profile of the same name as a built-in one is the one that is used.

#include <string>
#include <string_view>
#include <vector>

#include "chimera/agents/persona.hpp"
#include "chimera/agents/profile.hpp"
#include "chimera/agents/scenario.hpp"
#include "chimera/util/error.hpp"

namespace chimera::agents {

// An agent as a config file names it: persona and profile by name.
struct AgentDefinition {
  std::string name;
  std::string persona;
  std::string profile;
  std::string endpoint;
  std::vector<std::string> depends_on;
};

struct ScenarioDefinition {
  std::string name;
  std::string description;
  std::vector<AgentDefinition> agents;
};

class Catalog {
 public:
  // Built-in personas, profiles and the scenarios baseline_vs_chimera,
  // chimera_hetero and chimera_homo.
  static Catalog builtin();

  const std::vector<Persona>& personas() const { return personas_; }
  const std::vector<Profile>& profiles() const { return profiles_; }
  const std::vector<AgentDefinition>& agents() const { return agents_; }
  const std::vector<ScenarioDefinition>& scenarios() const { return scenarios_; }

  Expected<Persona> persona(std::string_view name) const;
  Expected<Profile> profile(std::string_view name) const;
  Expected<AgentDefinition> agent(std::string_view name) const;
  // Resolved against the current personas and profiles, and validated.
  Expected<Scenario> scenario(std::string_view name) const;
  Expected<AgentSpec> resolve(const AgentDefinition& definition) const;

  // Adds, or replaces the entry of the same name.
  void put(Persona persona);
  void put(Profile profile);
  void put(AgentDefinition agent);
  void put(ScenarioDefinition scenario);

 private:
  std::vector<Persona> personas_;
  std::vector<Profile> profiles_;
  std::vector<AgentDefinition> agents_;
  std::vector<ScenarioDefinition> scenarios_;
};

}  // namespace chimera::agents
