#include "chimera/agents/catalog.hpp"

#include <algorithm>

#include "chimera/agents/lookup.hpp"

namespace chimera::agents {

namespace {

template <typename T>
void put_by_name(std::vector<T>& items, T item) {
  auto it = std::find_if(items.begin(), items.end(),
                         [&](const T& existing) { return existing.name == item.name; });
  if (it != items.end()) {
    *it = std::move(item);
  } else {
    items.push_back(std::move(item));
  }
}

}  // namespace

Catalog Catalog::builtin() {
  Catalog catalog;
  catalog.personas_ = builtin_personas();
  catalog.profiles_ = builtin_profiles();
  auto pair = [](std::string name, std::string description, std::string collector_profile,
                 std::string insight_profile) {
    return ScenarioDefinition{
        std::move(name),
        std::move(description),
        {{"DataCollector-9000", "DataCollector-9000", std::move(collector_profile), "", {}},
         {"InsightAgent", "InsightAgent", std::move(insight_profile), "", {}}}};
  };
  catalog.scenarios_ = {
      pair("baseline_vs_chimera",
           "DataCollector-9000 on server defaults against InsightAgent on chimera-optimized",
           "baseline", "chimera-optimized"),
      pair("chimera_hetero",
           "Two different Chimera configurations: DataCollector-9000 on chimera-agent-a, "
           "InsightAgent on chimera-agent-b (the original's Agent A and Agent B)",
           "chimera-agent-a", "chimera-agent-b"),
      pair("chimera_homo", "Two agents with identical configurations: both on chimera-optimized",
           "chimera-optimized", "chimera-optimized"),
  };
  return catalog;
}

Expected<Persona> Catalog::persona(std::string_view name) const {
  return find_persona(personas_, name);
}

Expected<Profile> Catalog::profile(std::string_view name) const {
  return find_profile(profiles_, name);
}

Expected<AgentDefinition> Catalog::agent(std::string_view name) const {
  return find_by_name(agents_, name, "agent", false);
}

Expected<AgentSpec> Catalog::resolve(const AgentDefinition& definition) const {
  auto p = persona(definition.persona);
  if (!p) {
    return fail(p.error().kind, "agent '" + definition.name + "': " + p.error().message);
  }
  auto prof = profile(definition.profile.empty() ? "baseline" : definition.profile);
  if (!prof) {
    return fail(prof.error().kind, "agent '" + definition.name + "': " + prof.error().message);
  }
  return AgentSpec{definition.name, std::move(*p), std::move(*prof), definition.endpoint,
                   definition.depends_on};
}

Expected<Scenario> Catalog::scenario(std::string_view name) const {
  auto found = find_by_name(scenarios_, name, "scenario", false);
  if (!found) return std::unexpected(found.error());
  const ScenarioDefinition* it = &*found;
  Scenario scenario{it->name, it->description, {}};
  for (const auto& definition : it->agents) {
    auto spec = resolve(definition);
    if (!spec) {
      return fail(spec.error().kind, "scenario '" + scenario.name + "': " + spec.error().message);
    }
    scenario.agents.push_back(std::move(*spec));
  }
  if (auto ok = validate(scenario); !ok) return std::unexpected(ok.error());
  return scenario;
}

void Catalog::put(Persona persona) {
  put_by_name(personas_, std::move(persona));
}
void Catalog::put(Profile profile) {
  put_by_name(profiles_, std::move(profile));
}
void Catalog::put(AgentDefinition agent) {
  put_by_name(agents_, std::move(agent));
}
void Catalog::put(ScenarioDefinition scenario) {
  put_by_name(scenarios_, std::move(scenario));
}

}  // namespace chimera::agents
