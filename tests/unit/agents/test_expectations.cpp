// An expected figure names its artifact and row, and says whether it was
// measured with the options the agent sends.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chimera/agents/profile.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

Expectation throughput_of(nlohmann::json configuration) {
  return {"throughput",
          50.0,
          "tok/s",
          "an earlier sweep",
          "reports/sweep.md",
          "table row r1",
          std::move(configuration)};
}

TEST(Expectations, TheSameOptionsAreComparable) {
  const auto e = throughput_of({{"num_ctx", 1024}, {"temperature", 0.6}});
  const auto c = comparability(e, {{"num_ctx", 1024}, {"temperature", 0.6}, {"seed", 4}});
  EXPECT_TRUE(c.comparable);
  EXPECT_EQ(c.text, "measured with the same num_ctx 1024, temperature 0.6");
  EXPECT_EQ(describe_expectation_source(e, {{"num_ctx", 1024}, {"temperature", 0.6}}),
            "read from artifact reports/sweep.md, table row r1, an earlier sweep; measured with "
            "the same num_ctx 1024, temperature 0.6");
}

TEST(Expectations, AnotherConfigurationIsNotComparable) {
  const auto e = throughput_of({{"num_ctx", 4096}, {"temperature", 0.4}});
  const auto c = comparability(e, {{"num_ctx", 1024}, {"temperature", 0.4}});
  EXPECT_FALSE(c.comparable);
  EXPECT_EQ(c.text,
            "another configuration (num_ctx 4096 where this agent sends num_ctx 1024): "
            "not comparable");
  // No options sent: the server's defaults are not the source's options.
  const auto defaults = comparability(e, nlohmann::json::object());
  EXPECT_FALSE(defaults.comparable);
  EXPECT_EQ(defaults.text,
            "another configuration (num_ctx 4096, temperature 0.4 where this agent sends num_ctx "
            "not sent (server default), temperature not sent (server default)): not comparable");
}

TEST(Expectations, AnUnstatedConfigurationIsNotComparable) {
  auto e = throughput_of(nullptr);
  e.file.clear();
  EXPECT_FALSE(comparability(e, {{"num_ctx", 1024}}).comparable);
  EXPECT_EQ(describe_expectation_source(e, {{"num_ctx", 1024}}),
            "an earlier sweep; the source does not say which configuration it measured: not "
            "comparable");
}

// The built-in profile's expected figures are where it says they are: the
// named row of the named file holds both figures and the stated options.
TEST(Expectations, TheOptimizedProfilesRowHoldsItsFigures) {
  const auto root = testing::shared_artifacts_dir();
  if (!root) GTEST_SKIP() << "../shared/data/chimera-artifacts is absent; skipping";
  const auto profile = *find_profile(builtin_profiles(), "chimera-optimized");
  ASSERT_EQ(profile.expectations.size(), 2u);
  for (const auto& e : profile.expectations) {
    std::ifstream in(*root + "/" + e.file);
    ASSERT_TRUE(in) << e.file;
    const std::string name = e.row.substr(e.row.rfind(' ') + 1);  // "table row NAME"
    std::string line, found;
    while (std::getline(in, line))
      if (line.starts_with("| " + name + " |")) found = line;
    ASSERT_FALSE(found.empty()) << "no row " << name << " in " << e.file;
    // "| g999_c4096_t0.4 | 999 | 4096 | 0.4 | 102.31 | 0.128 | 0.116 |"
    std::vector<std::string> cells;
    std::stringstream ss(found.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) {
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
    }
    ASSERT_GE(cells.size(), 6u) << found;
    EXPECT_EQ(std::stod(cells[1]), e.configuration["num_gpu"].get<double>());
    EXPECT_EQ(std::stod(cells[2]), e.configuration["num_ctx"].get<double>());
    EXPECT_EQ(std::stod(cells[3]), e.configuration["temperature"].get<double>());
    EXPECT_EQ(std::stod(cells[e.metric == "throughput" ? 4 : 5]), e.value) << e.metric;
    EXPECT_FALSE(comparability(e, profile.options).comparable);
  }
}

}  // namespace
}  // namespace chimera::agents
