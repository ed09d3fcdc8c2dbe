#include <gtest/gtest.h>

#include "chimera/agents/catalog.hpp"

namespace chimera::agents {
namespace {

AgentSpec agent(std::string name, std::vector<std::string> deps = {}) {
  AgentSpec a;
  a.name = std::move(name);
  a.depends_on = std::move(deps);
  return a;
}

TEST(AgentsScenario, BuiltinScenariosResolve) {
  const auto catalog = Catalog::builtin();
  auto pair = catalog.scenario("baseline_vs_chimera");
  ASSERT_TRUE(pair) << pair.error().message;
  ASSERT_EQ(pair->agents.size(), 2u);
  EXPECT_EQ(pair->agents[0].persona.name, "DataCollector-9000");
  EXPECT_EQ(pair->agents[0].profile.name, "baseline");
  EXPECT_EQ(pair->agents[1].persona.name, "InsightAgent");
  EXPECT_EQ(pair->agents[1].profile.name, "chimera-optimized");

  auto hetero = catalog.scenario("chimera_hetero");
  ASSERT_TRUE(hetero);
  EXPECT_NE(hetero->agents[0].profile.options, hetero->agents[1].profile.options);
  auto homo = catalog.scenario("chimera_homo");
  ASSERT_TRUE(homo);
  EXPECT_EQ(homo->agents[0].profile.options, homo->agents[1].profile.options);
  EXPECT_EQ(homo->agents[0].profile.name, "chimera-optimized");

  auto missing = catalog.scenario("nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("baseline_vs_chimera, chimera_hetero, chimera_homo"),
            std::string::npos);
}

TEST(AgentsScenario, TopologicalOrderPutsDependenciesFirst) {
  Scenario s{"s",
             "",
             {agent("report", {"insight"}), agent("insight", {"collector"}), agent("collector"),
              agent("other")}};
  auto order = topological_order(s);
  ASSERT_TRUE(order) << order.error().message;
  EXPECT_EQ(*order, (std::vector<std::size_t>{2, 3, 1, 0}));
  auto waves = dependency_waves(s);
  ASSERT_TRUE(waves);
  ASSERT_EQ(waves->size(), 3u);
  EXPECT_EQ((*waves)[0], (std::vector<std::size_t>{2, 3}));  // run together
}

TEST(AgentsScenario, CyclesAndUnknownDependenciesAreClearErrors) {
  Scenario cycle{"loop", "", {agent("a", {"c"}), agent("b", {"a"}), agent("c", {"b"})}};
  auto bad = validate(cycle);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("dependency cycle: a -> c -> b -> a"), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(topological_order(cycle));

  Scenario unknown{"u", "", {agent("a", {"ghost"})}};
  auto missing = validate(unknown);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("unknown agent 'ghost'"), std::string::npos);

  Scenario self{"self", "", {agent("a", {"a"})}};
  EXPECT_FALSE(validate(self));
  Scenario twice{"twice", "", {agent("a"), agent("a")}};
  EXPECT_FALSE(validate(twice));
}

TEST(AgentsScenario, PipelineChainsTheAgents) {
  auto s = as_pipeline(*Catalog::builtin().scenario("baseline_vs_chimera"));
  EXPECT_TRUE(s.agents[0].depends_on.empty());
  EXPECT_EQ(s.agents[1].depends_on, std::vector<std::string>{"DataCollector-9000"});
  EXPECT_TRUE(validate(s));
}

}  // namespace
}  // namespace chimera::agents
