#pragma once
// The model catalogue endpoints: /api/tags, /api/show, /api/ps, /v1/models.

#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "chimera/sim/config.hpp"
#include "chimera/sim/scheduler.hpp"

namespace chimera::sim {

nlohmann::json ollama_tags(const SimConfig& config);
nlohmann::json ollama_show(const ModelSpec& model);
nlohmann::json ollama_ps(const SimConfig& config, const std::vector<Scheduler::LoadedModel>& loaded,
                         Scheduler::Clock::time_point now);
nlohmann::json openai_models(const SimConfig& config);

}  // namespace chimera::sim
