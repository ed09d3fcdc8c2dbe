#include <gtest/gtest.h>

#include <fstream>

#include "chimera/agents/config.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

constexpr const char* kGood = R"(
personas:
  Reviewer:
    agent_type: Review
    workflow: single
    system_prompt: |
      You review benchmark reports.
profiles:
  fast:
    base: chimera-optimized
    model: llama3.1:8b
    options:
      num_ctx: 4096
      temperature: 0.2
      stop: "7"
  chimera-agent:          # replaces the built-in of the same name
    options: {num_ctx: 8192}
agents:
  collector: {persona: DataCollector-9000, profile: baseline, endpoint: "http://127.0.0.1:11434"}
  reviewer:
    persona: Reviewer
    profile: fast
    endpoint: http://127.0.0.1:11435
    depends_on: collector
scenarios:
  review_pipeline:
    description: collector, then reviewer
    agents: [collector, reviewer]
  inline:
    - {name: solo, persona: InsightAgent, profile: chimera-agent}
)";

TEST(AgentsConfig, GoodFileAddsToTheBuiltins) {
  auto catalog = parse_config(kGood, "chimera.yaml");
  ASSERT_TRUE(catalog) << catalog.error().message;
  auto reviewer = catalog->persona("Reviewer");
  ASSERT_TRUE(reviewer);
  EXPECT_EQ(reviewer->workflow, Workflow::kSingle);
  EXPECT_EQ(reviewer->system_prompt, "You review benchmark reports.\n");

  auto fast = catalog->profile("fast");
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->model, "llama3.1:8b");
  EXPECT_EQ(fast->options["num_ctx"], 4096);
  EXPECT_EQ(fast->options["top_k"], 40);  // from its base
  EXPECT_EQ(fast->options["stop"], "7");  // quoted: stays a string
  EXPECT_EQ(fast->expectations.size(), 2u);

  auto pipeline = catalog->scenario("review_pipeline");
  ASSERT_TRUE(pipeline) << pipeline.error().message;
  ASSERT_EQ(pipeline->agents.size(), 2u);
  EXPECT_EQ(pipeline->agents[1].endpoint, "http://127.0.0.1:11435");
  EXPECT_EQ(pipeline->agents[1].depends_on, std::vector<std::string>{"collector"});
  EXPECT_EQ(pipeline->agents[1].profile.name, "fast");

  auto inline_scenario = catalog->scenario("inline");
  ASSERT_TRUE(inline_scenario) << inline_scenario.error().message;
  EXPECT_EQ(inline_scenario->agents[0].profile.options["num_ctx"], 8192);
  EXPECT_TRUE(catalog->scenario("baseline_vs_chimera"));  // built-ins stay
}

TEST(AgentsConfig, SyntaxErrorNamesLineAndColumn) {
  auto bad = parse_config("profiles:\n  fast:\n    options: {num_ctx: 1\n", "bad.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, FailureKind::kInvalidInput);
  EXPECT_TRUE(bad.error().message.starts_with("bad.yaml:")) << bad.error().message;
  EXPECT_NE(bad.error().message.find(":4:"), std::string::npos) << bad.error().message;
}

TEST(AgentsConfig, UnknownNamesPointAtTheirLine) {
  auto bad = parse_config("agents:\n  a:\n    persona: Nobody\n", "x.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("x.yaml:3:14: unknown persona 'Nobody'"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("DataCollector-9000, InsightAgent"), std::string::npos);

  auto typo = parse_config("profiles:\n  p:\n    optons: {}\n", "x.yaml");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("x.yaml:3:5: unknown key 'optons'"), std::string::npos)
      << typo.error().message;
}

TEST(AgentsConfig, CycleInAScenarioIsRejected) {
  auto bad = parse_config(R"(
agents:
  a: {persona: InsightAgent, depends_on: [b]}
  b: {persona: InsightAgent, depends_on: [a]}
scenarios:
  loop: [a, b]
)",
                          "cycle.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("cycle.yaml:6:"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("dependency cycle"), std::string::npos);
}

TEST(AgentsConfig, KnownNumericOptionsAreCheckedWithTheirLine) {
  auto negative = parse_config("profiles:\n  p:\n    options:\n      num_ctx: -1024\n", "o.yaml");
  ASSERT_FALSE(negative);
  EXPECT_NE(negative.error().message.find(
                "o.yaml:4:16: profile 'p' options num_ctx: -1024 is out of range (num_ctx "
                "takes 1 to 16777216)"),
            std::string::npos)
      << negative.error().message;
  auto nan = parse_config("profiles:\n  p:\n    options: {temperature: .nan}\n", "o.yaml");
  ASSERT_FALSE(nan);
  EXPECT_NE(nan.error().message.find("o.yaml:3:28: profile 'p' options temperature: '.nan' is "
                                     "not a number"),
            std::string::npos)
      << nan.error().message;
  auto fraction = parse_config("profiles:\n  p:\n    options: {top_k: 2.5}\n", "o.yaml");
  ASSERT_FALSE(fraction);
  EXPECT_NE(fraction.error().message.find("top_k: 2.5 is not a whole number"), std::string::npos);
  // Unknown options pass through untouched, whatever they hold.
  auto unknown = parse_config(
      "profiles:\n  p:\n    options: {my_flag: .nan, num_ctx: 2048, temperature: 0.5}\n", "o.yaml");
  ASSERT_TRUE(unknown) << unknown.error().message;
  const auto p = unknown->profile("p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->options["my_flag"], ".nan");
  EXPECT_EQ(p->options["num_ctx"], 2048);
}

TEST(AgentsConfig, ABaseDefinedLaterInTheFileResolves) {
  auto catalog = parse_config(R"(
profiles:
  fast:
    base: quick
    options: {temperature: 0.1}
  quick:
    base: steady
    model: small:1b
  steady:
    options: {num_ctx: 4096}
personas:
  Second:
    base: First
  First:
    system_prompt: You count.
)",
                              "order.yaml");
  ASSERT_TRUE(catalog) << catalog.error().message;
  const auto fast = catalog->profile("fast");
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->model, "small:1b");
  EXPECT_EQ(fast->options["num_ctx"], 4096);
  EXPECT_EQ(fast->options["temperature"], 0.1);
  const auto second = catalog->persona("Second");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->system_prompt, "You count.");
}

TEST(AgentsConfig, ACycleOfBasesIsNamedAsACycle) {
  auto bad = parse_config(R"(
profiles:
  a:
    base: b
  b:
    base: c
  c:
    base: a
)",
                          "loop.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("profile bases form a cycle: a -> b -> c -> a"),
            std::string::npos)
      << bad.error().message;
  EXPECT_TRUE(bad.error().message.starts_with("loop.yaml:4:")) << bad.error().message;
  // A base naming the profile itself means the definition it replaces.
  auto replaces = parse_config("profiles:\n  baseline:\n    base: baseline\n    model: m\n", "r");
  ASSERT_TRUE(replaces) << replaces.error().message;
}

TEST(AgentsConfig, AFileThatDefinesNothingIsRefused) {
  for (const char* text : {"", "# only a comment\n", "profiles:\n", "profiles: {}\nagents:\n"}) {
    auto empty = parse_config(text, "empty.yaml");
    ASSERT_FALSE(empty) << "'" << text << "'";
    EXPECT_NE(empty.error().message.find("empty.yaml: the config file defines nothing"),
              std::string::npos)
        << empty.error().message;
  }
}

TEST(AgentsConfig, ExampleFileInTheRepositoryLoads) {
  const std::string path = chimera::testing::source_dir() + "/examples/chimera.yaml";
  auto catalog = load_config_file(path);
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_FALSE(catalog->scenarios().empty());
  for (const auto& s : catalog->scenarios()) {
    EXPECT_TRUE(catalog->scenario(s.name)) << s.name;
  }
  auto missing = load_config_file("/nonexistent/chimera.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, FailureKind::kIo);
}

}  // namespace
}  // namespace chimera::agents
