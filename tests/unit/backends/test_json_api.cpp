#include <gtest/gtest.h>

#include "chimera/backends/json_api.hpp"

namespace chimera::backends {
namespace {

TEST(SimulatorVersion, OnlyAStringFieldNamesTheSimulator) {
  EXPECT_EQ(simulator_version({{"version", "0.12.6"}, {"chimera_sim", "1.4.0"}}), "1.4.0");
  EXPECT_EQ(simulator_version({{"object", "list"}, {"data", nlohmann::json::array()}}), "");
  EXPECT_EQ(simulator_version({{"version", "0.12.6"}}), "");  // a real Ollama
  EXPECT_EQ(simulator_version({{"chimera_sim", 5}}), "");     // not a version
  EXPECT_EQ(simulator_version({{"chimera_sim", nullptr}}), "");
  EXPECT_EQ(simulator_version(nlohmann::json::array({"chimera_sim"})), "");
  EXPECT_EQ(simulator_version("chimera_sim"), "");
}

}  // namespace
}  // namespace chimera::backends
