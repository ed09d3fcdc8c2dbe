#include "chimera/agents/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "chimera/agents/known_options.hpp"

namespace chimera::agents {

namespace {

// Thrown inside this file only, to unwind from deep in the tree with a position;
// parse_config turns it into a Failure.
struct ConfigError {
  YAML::Mark mark;
  std::string message;
};

class Reader {
 public:
  [[noreturn]] void error(const YAML::Node& node, const std::string& message) const {
    throw ConfigError{node.Mark(), message};
  }

  void expect_map(const YAML::Node& node, const std::string& what) const {
    if (!node.IsMap()) error(node, what + " must be a mapping (key: value)");
  }

  void only_keys(const YAML::Node& node, const std::string& what,
                 const std::set<std::string>& allowed) const {
    expect_map(node, what);
    for (const auto& entry : node) {
      const auto key = entry.first.as<std::string>();
      if (!allowed.contains(key)) {
        std::string list;
        for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
        error(entry.first, "unknown key '" + key + "' in " + what + " (expected: " + list + ")");
      }
    }
  }

  std::string text(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) error(node, what + " must be a single value");
    return node.as<std::string>();
  }

  std::string optional_text(const YAML::Node& map, const char* key, const std::string& what,
                            std::string fallback = "") const {
    const auto node = map[key];
    return node ? text(node, what + " " + key) : fallback;
  }

  std::vector<std::string> names(const YAML::Node& node, const std::string& what) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
    } else if (node.IsSequence()) {
      for (const auto& item : node) out.push_back(text(item, what));
    } else if (!node.IsNull()) {
      error(node, what + " must be a name or a list of names");
    }
    return out;
  }

  // YAML scalars become JSON numbers/bools unless they were quoted in the file.
  nlohmann::json to_json(const YAML::Node& node) const {
    if (node.IsMap()) {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& entry : node) out[entry.first.as<std::string>()] = to_json(entry.second);
      return out;
    }
    if (node.IsSequence()) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    if (node.IsNull()) return nullptr;
    if (node.Tag() == "!") return node.as<std::string>();  // quoted scalar
    return parse_option_value(node.as<std::string>());
  }

  double number(const YAML::Node& node, const std::string& what) const {
    const auto value = to_json(node);
    if (!value.is_number()) error(node, what + " must be a number");
    return value.get<double>();
  }
};

Persona read_persona(const Reader& r, const std::string& name, const YAML::Node& node,
                     const Catalog& catalog) {
  const std::string what = "persona '" + name + "'";
  r.only_keys(node, what, {"display_name", "agent_type", "system_prompt", "workflow", "base"});
  Persona persona;
  if (const auto base = node["base"]) {
    auto found = catalog.persona(r.text(base, what + " base"));
    if (!found) r.error(base, found.error().message);
    persona = *found;
  }
  persona.name = name;
  persona.display_name = r.optional_text(
      node, "display_name", what, persona.display_name.empty() ? name : persona.display_name);
  persona.agent_type = r.optional_text(node, "agent_type", what,
                                       persona.agent_type.empty() ? name : persona.agent_type);
  persona.system_prompt = r.optional_text(node, "system_prompt", what, persona.system_prompt);
  if (persona.system_prompt.empty()) r.error(node, what + " needs a system_prompt");
  if (const auto workflow = node["workflow"]) {
    auto parsed = workflow_from_string(r.text(workflow, what + " workflow"));
    if (!parsed) r.error(workflow, what + ": " + parsed.error().message);
    persona.workflow = *parsed;
  }
  return persona;
}

Profile read_profile(const Reader& r, const std::string& name, const YAML::Node& node,
                     const Catalog& catalog) {
  const std::string what = "profile '" + name + "'";
  r.only_keys(node, what, {"base", "model", "options", "expected", "description"});
  Profile profile;
  if (const auto base = node["base"]) {
    auto found = catalog.profile(r.text(base, what + " base"));
    if (!found) r.error(base, found.error().message);
    profile = *found;
  }
  profile.name = name;
  profile.model = r.optional_text(node, "model", what, profile.model);
  profile.description = r.optional_text(node, "description", what, profile.description);
  if (const auto options = node["options"]) {
    if (!options.IsMap() && !options.IsNull())
      r.error(options, what + " options must be a mapping");
    const nlohmann::json given = r.to_json(options);
    if (options.IsMap()) {
      for (const auto& entry : options) {
        const auto key = entry.first.as<std::string>();
        if (auto problem = check_known_option(key, given[key])) {
          r.error(entry.second, what + " options " + *problem);
        }
      }
    }
    if (given.is_object()) profile.options.update(given);
  }
  if (const auto expected = node["expected"]) {
    if (!expected.IsSequence()) r.error(expected, what + " expected must be a list");
    profile.expectations.clear();
    for (const auto& item : expected) {
      const std::string item_what = what + " expected figure";
      r.only_keys(item, item_what,
                  {"metric", "value", "unit", "source", "file", "row", "configuration"});
      Expectation e;
      e.metric = r.optional_text(item, "metric", item_what);
      if (!item["value"]) r.error(item, item_what + " needs a value");
      e.value = r.number(item["value"], item_what + " value");
      e.unit = r.optional_text(item, "unit", item_what);
      e.source = r.optional_text(item, "source", item_what);
      e.file = r.optional_text(item, "file", item_what);
      e.row = r.optional_text(item, "row", item_what);
      if (const auto configuration = item["configuration"]) {
        if (!configuration.IsMap())
          r.error(configuration, item_what + " configuration must be a mapping");
        e.configuration = r.to_json(configuration);
      }
      if (e.metric.empty() || e.source.empty()) {
        r.error(item, item_what + " needs a metric and a source (where the figure comes from)");
      }
      profile.expectations.push_back(std::move(e));
    }
  }
  return profile;
}

AgentDefinition read_agent(const Reader& r, const std::string& name, const YAML::Node& node,
                           const Catalog& catalog) {
  const std::string what = "agent '" + name + "'";
  r.only_keys(node, what, {"persona", "profile", "endpoint", "depends_on"});
  AgentDefinition agent;
  agent.name = name;
  if (!node["persona"]) r.error(node, what + " needs a persona");
  agent.persona = r.text(node["persona"], what + " persona");
  if (auto p = catalog.persona(agent.persona); !p) r.error(node["persona"], p.error().message);
  agent.profile = r.optional_text(node, "profile", what, "baseline");
  if (auto p = catalog.profile(agent.profile); !p) {
    r.error(node["profile"] ? node["profile"] : node, p.error().message);
  }
  agent.endpoint = r.optional_text(node, "endpoint", what);
  if (const auto deps = node["depends_on"]) agent.depends_on = r.names(deps, what + " depends_on");
  return agent;
}

ScenarioDefinition read_scenario(const Reader& r, const std::string& name, const YAML::Node& node,
                                 Catalog& catalog) {
  const std::string what = "scenario '" + name + "'";
  ScenarioDefinition scenario;
  scenario.name = name;
  YAML::Node agents;
  agents.reset(node);  // rebinds; plain assignment would overwrite the file's tree
  if (node.IsMap()) {
    r.only_keys(node, what, {"description", "agents"});
    scenario.description = r.optional_text(node, "description", what);
    agents.reset(node["agents"]);
  }
  if (!agents || !agents.IsSequence()) r.error(node, what + " must list its agents");
  for (const auto& item : agents) {
    if (item.IsMap()) {  // an agent defined in place: {name: ..., persona: ..., ...}
      YAML::Node copy = YAML::Clone(item);
      const std::string agent_name =
          r.text(item["name"] ? item["name"] : item, what + " agent name");
      copy.remove("name");
      auto agent = read_agent(r, agent_name, copy, catalog);
      scenario.agents.push_back(agent);
      continue;
    }
    const auto agent_name = r.text(item, what + " agent");
    auto agent = catalog.agent(agent_name);
    if (!agent) r.error(item, what + ": " + agent.error().message);
    scenario.agents.push_back(*agent);
  }
  Scenario check{name, scenario.description, {}};
  for (const auto& definition : scenario.agents) {
    auto spec = catalog.resolve(definition);
    if (!spec) r.error(node, spec.error().message);
    check.agents.push_back(std::move(*spec));
  }
  if (auto ok = validate(check); !ok) r.error(node, ok.error().message);
  return scenario;
}

// "file:LINE:COLUMN: " (1-based, as editors count), or "file: " when unknown.
std::string position(const std::string& origin, const YAML::Mark& mark) {
  if (mark.is_null()) return origin + ": ";
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
         ": ";
}

template <typename Read>
void read_section(const Reader& r, const YAML::Node& root, const char* key, Read&& read) {
  const auto section = root[key];
  if (!section || section.IsNull()) return;
  r.expect_map(section, std::string("'") + key + "'");
  for (const auto& entry : section) read(entry.first.as<std::string>(), entry.second);
}

// A section whose entries may name another of the same section as their
// `base`, in any order: each entry is read after its base. A base that names
// the entry itself means the definition it replaces (built in, or from an
// earlier file); a chain that comes back on itself is refused as a cycle.
template <typename Read>
void read_section_in_base_order(const Reader& r, const YAML::Node& root, const char* key,
                                const char* kind, Read&& read) {
  const auto section = root[key];
  if (!section || section.IsNull()) return;
  r.expect_map(section, std::string("'") + key + "'");
  std::map<std::string, YAML::Node> entries;
  std::vector<std::string> order;
  for (const auto& entry : section) {
    const auto name = entry.first.as<std::string>();
    if (entries.emplace(name, entry.second).second) order.push_back(name);
  }
  std::set<std::string> done;
  std::vector<std::string> chain;  // entries being resolved, outermost first
  std::function<void(const std::string&)> resolve = [&](const std::string& name) {
    if (done.contains(name)) return;
    const YAML::Node& node = entries.at(name);
    if (std::find(chain.begin(), chain.end(), name) != chain.end()) {
      std::string cycle;
      for (auto it = std::find(chain.begin(), chain.end(), name); it != chain.end(); ++it) {
        cycle += *it + " -> ";
      }
      r.error(node["base"] ? node["base"] : node,
              std::string(kind) + " bases form a cycle: " + cycle + name);
    }
    chain.push_back(name);
    if (node.IsMap() && node["base"] && node["base"].IsScalar()) {
      const auto base = node["base"].as<std::string>();
      if (base != name && entries.contains(base)) resolve(base);
    }
    chain.pop_back();
    read(name, node);
    done.insert(name);
  };
  for (const auto& name : order) resolve(name);
}

// No section with an entry in it.
bool defines_nothing(const YAML::Node& root) {
  if (root.IsNull()) return true;
  for (const char* key : {"personas", "profiles", "agents", "scenarios"}) {
    const auto section = root[key];
    if (section && !section.IsNull() && (!section.IsMap() || section.size() > 0)) return false;
  }
  return true;
}

}  // namespace

Expected<Catalog> parse_config(std::string_view yaml_text, std::string_view origin, Catalog base) {
  const std::string where(origin);
  Reader r;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsNull()) {
      r.only_keys(root, "the config file", {"personas", "profiles", "agents", "scenarios"});
    }
    if (defines_nothing(root)) {
      // Most likely the wrong file, or one cut short: say so rather than run on without it.
      return fail(FailureKind::kInvalidInput,
                  where +
                      ": the config file defines nothing (it is empty, or holds only comments "
                      "or empty sections); give personas, profiles, agents or scenarios, or "
                      "leave it out");
    }
    // Order matters: agents name personas and profiles, scenarios name agents.
    read_section_in_base_order(r, root, "personas", "persona",
                               [&](const std::string& name, const YAML::Node& node) {
                                 base.put(read_persona(r, name, node, base));
                               });
    read_section_in_base_order(r, root, "profiles", "profile",
                               [&](const std::string& name, const YAML::Node& node) {
                                 base.put(read_profile(r, name, node, base));
                               });
    read_section(r, root, "agents", [&](const std::string& name, const YAML::Node& node) {
      base.put(read_agent(r, name, node, base));
    });
    read_section(r, root, "scenarios", [&](const std::string& name, const YAML::Node& node) {
      base.put(read_scenario(r, name, node, base));
    });
    return base;
  } catch (const ConfigError& e) {
    return fail(FailureKind::kInvalidInput, position(where, e.mark) + e.message);
  } catch (const YAML::Exception& e) {
    // e.msg is the reason alone; e.what() repeats the position in yaml-cpp's own words.
    return fail(FailureKind::kInvalidInput, position(where, e.mark) + e.msg);
  }
}

Expected<Catalog> load_config_file(const std::filesystem::path& path, Catalog base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(FailureKind::kIo, "cannot read config file '" + path.string() +
                                      "': it does not exist or is not readable");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path.string(), std::move(base));
}

}  // namespace chimera::agents
