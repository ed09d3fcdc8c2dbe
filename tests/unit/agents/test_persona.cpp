#include <gtest/gtest.h>

#include "chimera/agents/persona.hpp"
#include "chimera/agents/profile.hpp"

namespace chimera::agents {
namespace {

TEST(AgentsPersona, BuiltinsCarryTheOriginalTexts) {
  auto collector = find_persona(builtin_personas(), "DataCollector-9000");
  ASSERT_TRUE(collector) << collector.error().message;
  EXPECT_EQ(collector->agent_type, "DataCollector");
  EXPECT_TRUE(collector->system_prompt.starts_with(
      "You are DataCollector-9000, a systems analyst tasked with scanning benchmark artifacts."));
  EXPECT_TRUE(collector->system_prompt.ends_with(
      "include concrete metrics so a second agent can reason over them."));
  auto insight = find_persona(builtin_personas(), "insightagent");  // any case
  ASSERT_TRUE(insight);
  EXPECT_EQ(insight->name, "InsightAgent");
  EXPECT_NE(insight->system_prompt.find("3. A risk/mitigation table with at least two rows.\n"),
            std::string::npos);
  EXPECT_EQ(insight->workflow, Workflow::kTwoStage);
}

TEST(AgentsPersona, UnknownNameListsTheOnesThatExist) {
  auto missing = find_persona(builtin_personas(), "DataCollector-9001");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, FailureKind::kNotFound);
  EXPECT_NE(missing.error().message.find("DataCollector-9001"), std::string::npos);
  EXPECT_NE(missing.error().message.find("DataCollector-9000, InsightAgent"), std::string::npos);
}

TEST(AgentsProfile, BuiltinsMatchTheSpecTable) {
  auto optimized = find_profile(builtin_profiles(), "chimera-optimized");
  ASSERT_TRUE(optimized);
  EXPECT_EQ(optimized->model, "gemma3:latest");
  EXPECT_EQ(optimized->options["num_gpu"], 80);
  EXPECT_EQ(optimized->options["num_ctx"], 1024);
  EXPECT_DOUBLE_EQ(optimized->options["temperature"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(optimized->options["top_p"].get<double>(), 0.9);
  EXPECT_EQ(optimized->options["top_k"], 40);
  EXPECT_DOUBLE_EQ(optimized->options["repeat_penalty"].get<double>(), 1.1);
  EXPECT_EQ(optimized->options["seed"], 4);
  ASSERT_EQ(optimized->expectations.size(), 2u);
  EXPECT_DOUBLE_EQ(optimized->expectations[0].value, 102.31);
  EXPECT_DOUBLE_EQ(optimized->expectations[1].value, 0.128);
  EXPECT_NE(optimized->expectations[0].source.find("TR108"), std::string::npos);

  auto baseline = find_profile(builtin_profiles(), "baseline");
  ASSERT_TRUE(baseline);
  EXPECT_TRUE(baseline->options.empty());
  EXPECT_EQ(describe_options(baseline->options), "server defaults (no options sent)");

  auto b = find_profile(builtin_profiles(), "chimera-agent-b");
  ASSERT_TRUE(b);
  EXPECT_EQ(
      b->options,
      nlohmann::json({{"num_gpu", 140}, {"num_ctx", 2048}, {"temperature", 0.8}, {"seed", 1}}));
  EXPECT_EQ(builtin_profiles().size(), 6u);
}

TEST(AgentsProfile, UnknownNameListsTheOnesThatExist) {
  auto missing = find_profile(builtin_profiles(), "chimera-turbo");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("chimera-turbo"), std::string::npos);
  EXPECT_NE(missing.error().message.find("baseline, chimera-agent-a, chimera-agent-b"),
            std::string::npos);
}

TEST(AgentsProfile, OverridesParseTypesAndWin) {
  auto base = *find_profile(builtin_profiles(), "chimera-agent");
  auto changed = apply_overrides(
      base, "llama3.1:8b",
      {"num_ctx=4096", "temperature=0.2", "use_mmap=false", "stop=END", "tag=\"7\""});
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(changed->model, "llama3.1:8b");
  EXPECT_TRUE(changed->options["num_ctx"].is_number_integer());
  EXPECT_EQ(changed->options["num_ctx"], 4096);
  EXPECT_DOUBLE_EQ(changed->options["temperature"].get<double>(), 0.2);
  EXPECT_EQ(changed->options["use_mmap"], false);
  EXPECT_EQ(changed->options["stop"], "END");
  EXPECT_EQ(changed->options["tag"], "7");     // an option Chimera does not know passes as written
  EXPECT_EQ(changed->options["num_gpu"], 60);  // untouched
  EXPECT_EQ(context_window(changed->options).tokens, 4096);
  EXPECT_FALSE(context_window(changed->options).assumed);

  // A known option is checked: seed takes a whole number, not a string.
  auto bad_seed = apply_overrides(base, "", {"seed=\"7\""});
  ASSERT_FALSE(bad_seed);
  EXPECT_NE(bad_seed.error().message.find("seed"), std::string::npos) << bad_seed.error().message;

  auto bad = apply_overrides(base, "", {"num_ctx"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("key=value"), std::string::npos);
}

TEST(AgentsProfile, MissingNumCtxAssumesTheServerDefault) {
  const auto window = context_window(nlohmann::json::object());
  EXPECT_EQ(window.tokens, 2048);
  EXPECT_TRUE(window.assumed);
}

}  // namespace
}  // namespace chimera::agents
