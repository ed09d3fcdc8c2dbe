#pragma once
// `--sim`: the built-in simulator started inside this process on a loopback
// port, reached over real HTTP like any other server. Everything it feeds is
// labelled SIMULATED.

#include <memory>
#include <string>
#include <vector>

#include "chimera/sim/config.hpp"
#include "chimera/sim/server.hpp"

namespace chimera::orchestrate {

// The defaults, or a YAML file's configuration when a path is given.
sim::SimConfig sim_config_from(const std::string& yaml_path);

class SimLauncher {
 public:
  SimLauncher() = default;
  ~SimLauncher();
  SimLauncher(const SimLauncher&) = delete;
  SimLauncher& operator=(const SimLauncher&) = delete;

  // Starts one more simulator; returns its base URL (http://127.0.0.1:PORT).
  std::string start(sim::SimConfig config);
  std::size_t count() const { return servers_.size(); }
  sim::SimServer& server(std::size_t i) { return *servers_.at(i); }
  void stop_all();

 private:
  std::vector<std::unique_ptr<sim::SimServer>> servers_;
};

}  // namespace chimera::orchestrate
