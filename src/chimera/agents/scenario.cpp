#include "chimera/agents/scenario.hpp"

#include <algorithm>
#include <map>

#include "chimera/agents/lookup.hpp"

namespace chimera::agents {

namespace {

std::map<std::string, std::size_t> index_by_name(const Scenario& scenario) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < scenario.agents.size(); ++i) index[scenario.agents[i].name] = i;
  return index;
}

// Depth-first search that reports the first cycle it meets as "a -> b -> a".
bool find_cycle(const Scenario& scenario, const std::map<std::string, std::size_t>& index,
                std::size_t node, std::vector<int>& state, std::vector<std::size_t>& path,
                std::string& cycle) {
  state[node] = 1;  // on the current path
  path.push_back(node);
  for (const auto& dep : scenario.agents[node].depends_on) {
    const std::size_t next = index.at(dep);
    if (state[next] == 1) {
      auto start = std::find(path.begin(), path.end(), next);
      for (auto it = start; it != path.end(); ++it) cycle += scenario.agents[*it].name + " -> ";
      cycle += scenario.agents[next].name;
      return true;
    }
    if (state[next] == 0 && find_cycle(scenario, index, next, state, path, cycle)) return true;
  }
  path.pop_back();
  state[node] = 2;  // done
  return false;
}

}  // namespace

Expected<void> validate(const Scenario& scenario) {
  const std::string where = "scenario '" + scenario.name + "': ";
  if (scenario.agents.empty()) return fail(FailureKind::kInvalidInput, where + "has no agents");
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
    const auto& name = scenario.agents[i].name;
    if (name.empty()) return fail(FailureKind::kInvalidInput, where + "an agent has no name");
    if (!index.emplace(name, i).second) {
      return fail(FailureKind::kInvalidInput, where + "agent name '" + name + "' is used twice");
    }
  }
  for (const auto& agent : scenario.agents) {
    for (const auto& dep : agent.depends_on) {
      if (dep == agent.name) {
        return fail(FailureKind::kInvalidInput,
                    where + "agent '" + agent.name + "' depends on itself");
      }
      if (!index.contains(dep)) {
        std::vector<std::string> names;
        for (const auto& a : scenario.agents) names.push_back(a.name);
        return fail(FailureKind::kInvalidInput,
                    where + "agent '" + agent.name + "' depends on unknown agent '" + dep +
                        "'; agents in this scenario: " + join_names(names));
      }
    }
  }
  std::vector<int> state(scenario.agents.size(), 0);
  for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
    std::vector<std::size_t> path;
    std::string cycle;
    if (state[i] == 0 && find_cycle(scenario, index, i, state, path, cycle)) {
      return fail(FailureKind::kInvalidInput, where + "dependency cycle: " + cycle);
    }
  }
  return {};
}

Expected<std::vector<std::vector<std::size_t>>> dependency_waves(const Scenario& scenario) {
  if (auto ok = validate(scenario); !ok) return std::unexpected(ok.error());
  const auto index = index_by_name(scenario);
  std::vector<int> wave_of(scenario.agents.size(), -1);
  std::vector<std::vector<std::size_t>> waves;
  std::size_t placed = 0;
  // Validated as acyclic, so each pass places at least one agent.
  while (placed < scenario.agents.size()) {
    std::vector<std::size_t> wave;
    for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
      if (wave_of[i] >= 0) continue;
      const auto& deps = scenario.agents[i].depends_on;
      const bool ready = std::all_of(deps.begin(), deps.end(), [&](const std::string& d) {
        const int w = wave_of[index.at(d)];
        return w >= 0 && w < static_cast<int>(waves.size());
      });
      if (ready) wave.push_back(i);
    }
    for (auto i : wave) wave_of[i] = static_cast<int>(waves.size());
    placed += wave.size();
    waves.push_back(std::move(wave));
  }
  return waves;
}

Expected<std::vector<std::size_t>> topological_order(const Scenario& scenario) {
  auto waves = dependency_waves(scenario);
  if (!waves) return std::unexpected(waves.error());
  std::vector<std::size_t> order;
  for (const auto& wave : *waves) order.insert(order.end(), wave.begin(), wave.end());
  return order;
}

Scenario as_pipeline(Scenario scenario) {
  for (std::size_t i = 1; i < scenario.agents.size(); ++i) {
    scenario.agents[i].depends_on = {scenario.agents[i - 1].name};
  }
  if (!scenario.agents.empty()) scenario.agents.front().depends_on.clear();
  return scenario;
}

}  // namespace chimera::agents
