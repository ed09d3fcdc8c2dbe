#pragma once
// A persona is who an agent is: its system prompt and how it is asked (one call,
// or two calls: analysis, then report).

#include <string>
#include <string_view>
#include <vector>

#include "chimera/util/error.hpp"

namespace chimera::agents {

enum class Workflow {
  kTwoStage,  // analysis call, then a report call that is given the analysis
  kSingle,    // one call answers the persona directly
};

const char* to_string(Workflow workflow);
Expected<Workflow> workflow_from_string(std::string_view text);

struct Persona {
  std::string name;          // how configs and flags refer to it
  std::string display_name;  // the report's title
  std::string agent_type;    // the report's "Agent Type" label
  std::string system_prompt;
  Workflow workflow = Workflow::kTwoStage;
};

// The two built-in personas, DataCollector-9000 and InsightAgent.
const std::vector<Persona>& builtin_personas();

// Looks a persona up by name (exact, then case-insensitive); an unknown name
// fails with kNotFound and a message that lists the names that exist.
Expected<Persona> find_persona(const std::vector<Persona>& personas, std::string_view name);

}  // namespace chimera::agents
