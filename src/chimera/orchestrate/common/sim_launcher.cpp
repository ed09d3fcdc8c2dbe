#include "chimera/orchestrate/common/sim_launcher.hpp"

#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

sim::SimConfig sim_config_from(const std::string& yaml_path) {
  if (yaml_path.empty()) return sim::default_sim_config();
  return value_or_throw(sim::load_sim_config(yaml_path), "simulator config");
}

SimLauncher::~SimLauncher() {
  stop_all();
}

std::string SimLauncher::start(sim::SimConfig config) {
  auto server = std::make_unique<sim::SimServer>(std::move(config));
  server->start("127.0.0.1", 0);
  std::string url = server->url();
  servers_.push_back(std::move(server));
  return url;
}

void SimLauncher::stop_all() {
  for (auto& s : servers_) s->stop();
  servers_.clear();
}

}  // namespace chimera::orchestrate
