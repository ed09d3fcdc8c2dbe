#include <gtest/gtest.h>

#include "chimera/orchestrate/bench/grid.hpp"

namespace chimera::orchestrate {
namespace {

TEST(ParseOptionValue, Types) {
  EXPECT_EQ(parse_option_value("40"), 40);
  EXPECT_TRUE(parse_option_value("40").is_number_integer());
  EXPECT_DOUBLE_EQ(parse_option_value("0.8").get<double>(), 0.8);
  EXPECT_EQ(parse_option_value("true"), true);
  EXPECT_EQ(parse_option_value("5m"), "5m");
}

TEST(ParseOptionAxis, ListAndErrors) {
  auto axis = parse_option_axis("num_gpu=60,80,999");
  ASSERT_TRUE(axis);
  EXPECT_EQ(axis->name, "num_gpu");
  ASSERT_EQ(axis->values.size(), 3u);
  EXPECT_EQ(axis->values[2], 999);
  EXPECT_FALSE(parse_option_axis("num_gpu"));
  EXPECT_FALSE(parse_option_axis("=3"));
  EXPECT_FALSE(parse_option_axis("num_gpu="));
  EXPECT_FALSE(parse_option_axis("num_gpu=1,,2"));
}

TEST(BuildGrid, CartesianProductWithLoadAffectingOutermost) {
  std::vector<OptionAxis> axes;
  axes.push_back(*parse_option_axis("temperature=0.4,0.8"));
  axes.push_back(*parse_option_axis("num_ctx=1024,2048"));
  axes.push_back(*parse_option_axis("num_gpu=60,80"));
  auto grid = build_grid({"gemma3:latest"}, axes);
  ASSERT_EQ(grid.size(), 8u);
  // num_ctx and num_gpu change only when all temperatures were run: 4 loads, not 8.
  EXPECT_EQ(count_reloads(grid), 4u);
  EXPECT_EQ(grid[0].options["temperature"], 0.4);
  EXPECT_EQ(grid[1].options["temperature"], 0.8);
  EXPECT_EQ(grid[0].options["num_gpu"], grid[1].options["num_gpu"]);
  EXPECT_EQ(grid[0].label, "num_ctx=1024 num_gpu=60 temperature=0.4");
  // Every point is distinct.
  for (std::size_t i = 0; i < grid.size(); ++i) {
    for (std::size_t j = i + 1; j < grid.size(); ++j) EXPECT_NE(grid[i].key, grid[j].key);
  }
}

TEST(BuildGrid, NaiveOrderWouldReloadMore) {
  std::vector<GridPoint> naive;
  for (int t : {1, 2}) {
    for (int ctx : {1024, 2048}) {
      GridPoint p;
      p.model = "m";
      p.options = {{"temperature", t}, {"num_ctx", ctx}};
      naive.push_back(p);
    }
  }
  EXPECT_EQ(count_reloads(naive), 4u);
  std::vector<OptionAxis> axes{{"temperature", {1, 2}}, {"num_ctx", {1024, 2048}}};
  EXPECT_EQ(count_reloads(build_grid({"m"}, axes)), 2u);
}

TEST(BuildGrid, NoAxesIsOnePointPerModel) {
  auto grid = build_grid({"a", "b"}, {});
  ASSERT_EQ(grid.size(), 2u);
  EXPECT_EQ(grid[0].label, "a");
  EXPECT_EQ(grid[0].key, "a");
  EXPECT_TRUE(grid[1].options.empty());
}

TEST(MergeAxis, AppendsWithoutDuplicates) {
  std::vector<OptionAxis> axes;
  merge_axis(axes, *parse_option_axis("num_ctx=1024"));
  merge_axis(axes, *parse_option_axis("num_ctx=1024,2048"));
  ASSERT_EQ(axes.size(), 1u);
  EXPECT_EQ(axes[0].values.size(), 2u);
}

}  // namespace
}  // namespace chimera::orchestrate
