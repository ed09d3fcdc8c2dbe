#include <gtest/gtest.h>

#include "chimera/orchestrate/run/concurrency.hpp"
#include "chimera/report/combined_report.hpp"

namespace chimera::orchestrate {
namespace {

AgentTimes agent(std::string name, std::vector<double> isolated, double concurrent,
                 std::vector<std::string> depends_on = {}) {
  AgentTimes a;
  a.name = std::move(name);
  a.isolated_ms = std::move(isolated);
  a.concurrent_ms = concurrent;
  a.depends_on = std::move(depends_on);
  return a;
}

TEST(Concurrency, UnequalAgentsOnSeparateServersAreNotContention) {
  // 40 and 400 tokens: quick is done long before long, and neither slowed down.
  const std::vector<AgentTimes> agents{agent("quick", {720, 722}, 725),
                                       agent("long", {4000, 4004}, 4010)};
  const auto f = concurrency_figures(agents, 4020);
  ASSERT_TRUE(f.measured);
  EXPECT_DOUBLE_EQ(f.sum_isolated_ms, 721 + 4002);
  EXPECT_DOUBLE_EQ(f.critical_path_ms, 4002);
  EXPECT_NEAR(f.efficiency, 4002.0 / 4020.0, 1e-12);  // 0.9955
  EXPECT_GE(f.efficiency, 0.98);
  EXPECT_NEAR(f.speedup, 4723.0 / 4020.0, 1e-12);
  EXPECT_NEAR(f.ideal_speedup, 4723.0 / 4002.0, 1e-12);
  EXPECT_NEAR(f.efficiency_vs_n, 4723.0 / 4020.0 / 2, 1e-12);  // 0.587: imbalance, not contention
  EXPECT_NEAR(f.efficiency_vs_n, 0.59, 0.01);
  EXPECT_FALSE(f.contention);
  EXPECT_TRUE(f.baseline_stable);
  EXPECT_FALSE(f.efficiency_above_100);
  EXPECT_TRUE(f.verdict.starts_with("no contention: efficiency 99.6%")) << f.verdict;
  ASSERT_EQ(f.per_agent.size(), 2u);
  EXPECT_NEAR(f.per_agent[0].slowdown, 725.0 / 721.0, 1e-12);
}

TEST(Concurrency, SingleSlotPairIsContentionAndNamesTheWaitingAgent) {
  // One slot: b waited for all of a before it started.
  const std::vector<AgentTimes> agents{agent("a", {1000, 1010}, 1004),
                                       agent("b", {1000, 1010}, 2008)};
  const auto f = concurrency_figures(agents, 2012);
  EXPECT_NEAR(f.efficiency, 1005.0 / 2012.0, 1e-12);
  EXPECT_TRUE(f.contention);
  EXPECT_TRUE(f.baseline_stable);
  EXPECT_NEAR(f.per_agent[1].slowdown, 2008.0 / 1005.0, 1e-12);
  EXPECT_EQ(f.verdict, "contention: efficiency 50.0% < 90.0%; b ran 2.00x slower than alone");
}

TEST(Concurrency, LowEfficiencyWithoutSlowerAgentsIsNotContention) {
  const std::vector<AgentTimes> agents{agent("a", {1000}, 1000), agent("b", {1000}, 1010)};
  const auto f = concurrency_figures(agents, 1500);  // time spent outside both agents
  EXPECT_LT(f.efficiency, 0.9);
  EXPECT_FALSE(f.contention);
  EXPECT_TRUE(f.verdict.starts_with("no contention among the agents")) << f.verdict;
}

TEST(Concurrency, ReloadInsideTheConcurrentRunIsNotContention) {
  auto b = agent("b", {1000}, 3000);
  b.reloaded = true;
  const auto f = concurrency_figures({agent("a", {1000}, 1000), b}, 3000);
  EXPECT_FALSE(f.contention);
  EXPECT_NE(f.verdict.find("reload happened inside the concurrent run (b)"), std::string::npos)
      << f.verdict;
}

TEST(Concurrency, CriticalPathOfPipelineAndDag) {
  // Pipeline: the sum along the chain.
  const std::vector<AgentTimes> pipeline{agent("collect", {300}, 300),
                                         agent("insight", {500}, 500, {"collect"})};
  EXPECT_DOUBLE_EQ(*critical_path_ms(pipeline), 800);
  const auto p = concurrency_figures(pipeline, 810);
  EXPECT_NEAR(p.efficiency, 800.0 / 810.0, 1e-12);
  EXPECT_DOUBLE_EQ(p.ideal_speedup, 1.0);  // a pipeline cannot overlap at all
  EXPECT_FALSE(p.contention);

  // DAG: a (100) and b (250) feed c (300), which feeds e (40); d (700) stands alone.
  // Longest chain b -> c -> e = 590 < d = 700.
  std::vector<AgentTimes> dag{agent("a", {100}, 100), agent("b", {240, 260}, 250),
                              agent("c", {300}, 300, {"a", "b"}), agent("e", {40}, 40, {"c"}),
                              agent("d", {700}, 700)};
  EXPECT_DOUBLE_EQ(*critical_path_ms(dag), 700);
  dag[4].isolated_ms = {500};
  EXPECT_DOUBLE_EQ(*critical_path_ms(dag), 250 + 300 + 40);
  // Independent agents: the longest of them.
  EXPECT_DOUBLE_EQ(*critical_path_ms({agent("x", {10}, 10), agent("y", {30, 50}, 40)}), 40);
}

TEST(Concurrency, CriticalPathRejectsCyclesAndUnknownAgents) {
  auto cycle = critical_path_ms({agent("a", {1}, 1, {"b"}), agent("b", {1}, 1, {"a"})});
  ASSERT_FALSE(cycle);
  EXPECT_NE(cycle.error().message.find("cycle"), std::string::npos);
  auto unknown = critical_path_ms({agent("a", {1}, 1, {"ghost"})});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("ghost"), std::string::npos);
  const auto f = concurrency_figures({agent("a", {1}, 1, {"ghost"})}, 1);
  EXPECT_FALSE(f.measured);
  EXPECT_TRUE(f.verdict.starts_with("not measured:")) << f.verdict;
}

TEST(Concurrency, DisagreeingRepetitionsMakeTheBaselineUnstable) {
  // The engine's first long prefill was slow: 38.1 s, then 9.6 s.
  const std::vector<AgentTimes> agents{agent("a", {38100, 9600}, 12000),
                                       agent("b", {9500, 9700}, 12100)};
  const auto f = concurrency_figures(agents, 12200);
  EXPECT_FALSE(f.baseline_stable);
  EXPECT_FALSE(f.contention);
  EXPECT_TRUE(f.verdict.starts_with("inconclusive: baseline unstable")) << f.verdict;
  EXPECT_NE(f.verdict.find("a's isolated repetitions differ"), std::string::npos) << f.verdict;
  EXPECT_NE(f.verdict.find("more warm-up"), std::string::npos);
  EXPECT_DOUBLE_EQ(f.per_agent[0].isolated_ms, (38100 + 9600) / 2.0);  // the median
}

TEST(Concurrency, AShortAgentsJitterBelowTheNoiseOfTheCriticalPathIsNotInstability) {
  // 51 and 63 ms differ by 21% of their median, but by 12 ms against a 1,000 ms
  // critical path: they cannot move the efficiency beyond noise.
  const std::vector<AgentTimes> agents{agent("short", {51, 63}, 52),
                                       agent("long", {1000, 1004}, 1010)};
  const auto f = concurrency_figures(agents, 1012);
  EXPECT_GT(f.per_agent[0].spread, 0.15);
  EXPECT_TRUE(f.baseline_stable) << f.verdict;
  EXPECT_TRUE(f.verdict.starts_with("no contention")) << f.verdict;
  // The same spread on the agent that sets the critical path is instability.
  const auto g =
      concurrency_figures({agent("short", {51, 52}, 52), agent("long", {900, 1100}, 1010)}, 1012);
  EXPECT_FALSE(g.baseline_stable);
  EXPECT_NE(g.verdict.find("long's isolated repetitions differ"), std::string::npos) << g.verdict;
}

TEST(Concurrency, AVerdictNamesTheFiveSlowestAgentsAndCountsTheRest) {
  std::vector<AgentTimes> agents;
  for (int i = 0; i < 8; ++i) {
    agents.push_back(agent("agent-" + std::to_string(i), {1000, 1000}, 1500 + 100.0 * i));
  }
  const auto f = concurrency_figures(agents, 2400);
  ASSERT_TRUE(f.contention) << f.verdict;
  EXPECT_NE(f.verdict.find("agent-7 ran 2.20x slower than alone"), std::string::npos) << f.verdict;
  EXPECT_NE(f.verdict.find("agent-3 ran"), std::string::npos) << f.verdict;
  EXPECT_EQ(f.verdict.find("agent-2 ran"), std::string::npos) << f.verdict;
  EXPECT_NE(f.verdict.find("and 3 more agents slower than alone beyond noise"), std::string::npos)
      << f.verdict;
}

TEST(Concurrency, EfficiencyAboveOneIsFlagged) {
  // A slow baseline makes the agent look faster together than alone.
  const auto f = concurrency_figures({agent("a", {38100}, 9600), agent("b", {9500}, 9700)}, 9800);
  EXPECT_GT(f.efficiency, 1.0);
  EXPECT_TRUE(f.efficiency_above_100);
  EXPECT_FALSE(f.baseline_stable);
  EXPECT_TRUE(f.verdict.starts_with("inconclusive: baseline unstable")) << f.verdict;
  EXPECT_NE(f.verdict.find("a ran faster together than alone"), std::string::npos);
  EXPECT_NE(f.verdict.find("above 100% beyond noise"), std::string::npos);

  // Within noise it is still a result, but says so.
  const auto close = concurrency_figures({agent("a", {1000}, 990), agent("b", {990}, 985)}, 995);
  EXPECT_TRUE(close.baseline_stable);
  EXPECT_TRUE(close.efficiency_above_100);
  EXPECT_NE(close.verdict.find("above 100% only within noise"), std::string::npos) << close.verdict;
}

TEST(Concurrency, FailedAgentIsNotMeasured) {
  auto b = agent("b", {1000}, 1000);
  b.ok = false;
  const auto f = concurrency_figures({agent("a", {1000}, 1000), b}, 1000);
  EXPECT_FALSE(f.measured);
  EXPECT_DOUBLE_EQ(f.efficiency, 0);
  EXPECT_FALSE(concurrency_figures({}, 1000).measured);
  EXPECT_FALSE(concurrency_figures({agent("a", {}, 1000)}, 1000).measured);
}

TEST(Concurrency, EstimateUsesStudentT) {
  const auto e = estimate({1, 2, 3, 4});
  EXPECT_EQ(e.n, 4u);
  EXPECT_DOUBLE_EQ(*e.mean, 2.5);
  EXPECT_NEAR(*e.sd, 1.2909944487358056, 1e-12);
  // t(0.975, 3) = 3.182446305284263; half width = t * sd / 2.
  EXPECT_NEAR(*e.ci95_low, 2.5 - 3.182446305284263 * 1.2909944487358056 / 2, 1e-9);
  EXPECT_NEAR(*e.ci95_high, 2.5 + 3.182446305284263 * 1.2909944487358056 / 2, 1e-9);
  const auto one = estimate({7});
  EXPECT_DOUBLE_EQ(*one.mean, 7);
  EXPECT_FALSE(one.sd);
  EXPECT_FALSE(one.ci95_low);
  EXPECT_FALSE(estimate({}).mean);
}

TEST(Concurrency, AggregateAcrossRunsCountsFlagsAndSummarises) {
  std::vector<ConcurrencyFigures> runs;
  runs.push_back(concurrency_figures({agent("a", {1000}, 1000), agent("b", {1000}, 2000)}, 2000));
  runs.push_back(concurrency_figures({agent("a", {1000}, 1000), agent("b", {1000}, 1000)}, 1000));
  runs.push_back(
      concurrency_figures({agent("a", {4000, 1000}, 1000), agent("b", {1000}, 1000)}, 1000));
  auto failed = agent("b", {1000}, 1000);
  failed.ok = false;
  runs.push_back(concurrency_figures({agent("a", {1000}, 1000), failed}, 1000));
  const auto g = aggregate_concurrency(runs);
  EXPECT_EQ(g.runs, 4u);
  EXPECT_EQ(g.measured, 3u);
  EXPECT_EQ(g.contention_runs, 1u);
  EXPECT_EQ(g.unstable_runs, 1u);
  EXPECT_EQ(g.efficiency.n, 3u);
  // efficiencies 0.5, 1.0, 2500/1000 = 2.5
  EXPECT_NEAR(*g.efficiency.mean, (0.5 + 1.0 + 2.5) / 3, 1e-12);
  ASSERT_EQ(g.agents.size(), 2u);
  EXPECT_EQ(g.agents[1].name, "b");
  EXPECT_NEAR(*g.agents[1].slowdown.mean, (2.0 + 1.0 + 1.0) / 3, 1e-12);
  EXPECT_TRUE(g.agents[1].slowdown.ci95_low.has_value());
  EXPECT_TRUE(g.verdict.starts_with("inconclusive: baseline unstable in 1 of 3 runs")) << g.verdict;

  const auto j = to_json(g);
  EXPECT_EQ(j["contention_runs"], 1);
  EXPECT_EQ(j["unstable_runs"], 1);
  for (const char* field : {"speedup", "ideal_speedup", "efficiency", "efficiency_vs_n",
                            "critical_path_ms", "wall_ms", "sum_isolated_ms"}) {
    ASSERT_TRUE(j.contains(field)) << field;
    for (const char* part : {"mean", "sd", "ci95_low", "ci95_high", "n"}) {
      EXPECT_TRUE(j[field].contains(part)) << field << "." << part;
    }
    EXPECT_EQ(j[field]["n"], 3);
  }
  EXPECT_EQ(j["agents"][1]["slowdown"]["n"], 3);
}

TEST(Concurrency, PerRunJsonHasEveryFigure) {
  const auto f =
      concurrency_figures({agent("quick", {720, 722}, 725), agent("long", {4000}, 4010)}, 4020);
  const auto j = to_json(f);
  for (const char* field :
       {"speedup", "ideal_speedup", "efficiency", "efficiency_vs_n", "critical_path_ms", "wall_ms",
        "sum_isolated_ms", "contention", "baseline_stable", "verdict", "agents"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["contention"], false);
  EXPECT_EQ(j["baseline_stable"], true);
  EXPECT_DOUBLE_EQ(j["critical_path_ms"].get<double>(), 4000);
  ASSERT_EQ(j["agents"].size(), 2u);
  EXPECT_EQ(j["agents"][0]["name"], "quick");
  EXPECT_DOUBLE_EQ(j["agents"][0]["isolated_ms"].get<double>(), 721);
  EXPECT_DOUBLE_EQ(j["agents"][0]["concurrent_ms"].get<double>(), 725);
  EXPECT_NEAR(j["agents"][0]["slowdown"].get<double>(), 725.0 / 721.0, 1e-12);
}

ExecutionResult execution(std::vector<std::pair<double, double>> spans, bool ok = true) {
  ExecutionResult r;
  const char* names[] = {"a", "b"};
  for (std::size_t i = 0; i < spans.size(); ++i) {
    AgentExecution e;
    e.agent = names[i];
    e.start_ms = spans[i].first;
    e.end_ms = spans[i].second;
    e.ok = ok;
    r.agents.push_back(e);
  }
  return r;
}

TEST(Concurrency, AgentTimesFromExecutions) {
  const std::vector<ExecutionResult> isolated{execution({{0, 100}, {200, 500}}),
                                              execution({{0, 110}, {300, 610}})};
  const auto concurrent = execution({{0, 120}, {5, 600}});
  const auto times = agent_times(isolated, concurrent, {{"b", {"a"}}}, 500);
  ASSERT_EQ(times.size(), 2u);
  EXPECT_EQ(times[0].isolated_ms, (std::vector<double>{100, 110}));
  EXPECT_EQ(times[1].isolated_ms, (std::vector<double>{300, 310}));
  EXPECT_DOUBLE_EQ(times[1].concurrent_ms, 595);
  EXPECT_EQ(times[1].depends_on, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(times[0].ok);
  EXPECT_DOUBLE_EQ(*critical_path_ms(times), 105 + 305);

  const auto broken = agent_times({execution({{0, 100}, {0, 1}}, false)}, concurrent, {}, 500);
  EXPECT_FALSE(broken[0].ok);
}

}  // namespace
}  // namespace chimera::orchestrate
