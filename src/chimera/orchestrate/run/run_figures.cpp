#include "chimera/orchestrate/run/run_figures.hpp"

#include "chimera/agents/agent_metrics.hpp"

namespace chimera::orchestrate {

agents::VectorFigureSource run_figures(const std::vector<report::AgentOutcome>& agents) {
  std::vector<agents::KnownFigure> figures;
  for (const auto& a : agents) {
    const std::vector<std::string> also{a.model, a.profile};
    for (auto& f : agents::measured_figures(a.metrics, a.agent, also)) {
      figures.push_back(std::move(f));
    }
    for (auto& f : agents::configuration_figures(a.options, a.agent, also)) {
      figures.push_back(std::move(f));
    }
  }
  return agents::VectorFigureSource(std::move(figures));
}

}  // namespace chimera::orchestrate
