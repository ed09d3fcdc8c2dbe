#pragma once
// What every verifier of a run knows besides the artifacts: each agent's
// measurements and the options it sent, each about the agent, its model and
// its profile. All the run's agents share one set, so that a sentence gets
// the same verdict in every agent's report, and `chimera verify --run` reads
// the same set back from a run directory's metrics.json.

#include <vector>

#include "chimera/agents/verification.hpp"
#include "chimera/report/run_record.hpp"

namespace chimera::orchestrate {

agents::VectorFigureSource run_figures(const std::vector<report::AgentOutcome>& agents);

}  // namespace chimera::orchestrate
