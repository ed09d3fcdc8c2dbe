#pragma once
// The YAML config file (schema in docs/AGENTS.md, example in examples/chimera.yaml):
// personas, profiles, agents and scenarios added to a catalog. Errors name the
// file, line and column.

#include <filesystem>
#include <string_view>

#include "chimera/agents/catalog.hpp"
#include "chimera/util/error.hpp"

namespace chimera::agents {

// `origin` names the text in error messages (usually the file's path).
Expected<Catalog> parse_config(std::string_view yaml_text, std::string_view origin,
                               Catalog base = Catalog::builtin());

Expected<Catalog> load_config_file(const std::filesystem::path& path,
                                   Catalog base = Catalog::builtin());

}  // namespace chimera::agents
