#include <gtest/gtest.h>

#include <optional>

#include "chimera/orchestrate/run/concurrency.hpp"
#include "chimera/orchestrate/run/concurrency_aggregate.hpp"
#include "chimera/report/combined_report.hpp"

namespace chimera::orchestrate {
namespace {

const std::optional<bool> kStable = true, kUnstable = false, kUnknown = std::nullopt;

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
  EXPECT_EQ(f.baseline_stable, kStable);
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
  EXPECT_EQ(f.baseline_stable, kStable);
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

AgentServer server(std::string num_ctx, std::string num_gpu = "99") {
  return AgentServer{"http://127.0.0.1:1",
                     "gemma3:latest",
                     {{"num_ctx", std::move(num_ctx)}, {"num_gpu", std::move(num_gpu)}}};
}

TEST(Concurrency, AReloadCausedByRunningTogetherIsContention) {
  auto a = agent("a", {1000, 1000}, 1000);
  a.server = server("2048");
  auto b = agent("b", {1000, 1000}, 3000);
  b.server = server("1024");
  b.reloads = 2;
  const auto f = concurrency_figures({a, b}, 3000);
  EXPECT_TRUE(f.contention);
  EXPECT_TRUE(f.reload_contention);
  EXPECT_EQ(f.reloads, 2u);
  EXPECT_TRUE(
      f.verdict.starts_with("contention (model reloads): 2 model reload(s) inside the "
                            "concurrent run (b 2 (ran 3.00x slower than alone))"))
      << f.verdict;
  EXPECT_NE(f.verdict.find("differ in num_ctx (a 2048, b 1024)"), std::string::npos) << f.verdict;
  EXPECT_EQ(f.verdict.find("num_gpu ("), std::string::npos) << f.verdict;  // the same on both
  EXPECT_NE(f.verdict.find("use one num_ctx/num_gpu for agents sharing a server, or give them "
                           "separate servers"),
            std::string::npos);
  // Contention by reloads even above the threshold: the reload is the cost.
  const auto fast = concurrency_figures({a, b}, 1050);
  EXPECT_TRUE(fast.reload_contention) << fast.verdict;
}

TEST(Concurrency, OneAgentsReloadDoesNotRelabelTheOthersSlowdown) {
  // a waited for b without a reload of its own; b reloaded.
  auto a = agent("a", {1000, 1000}, 2000);
  auto b = agent("b", {1000, 1000}, 3000);
  b.reloads = 1;
  const auto f = concurrency_figures({a, b}, 3000);
  EXPECT_TRUE(f.reload_contention);
  EXPECT_NE(f.verdict.find("(b 1 (ran 3.00x slower than alone))"), std::string::npos) << f.verdict;
  EXPECT_NE(f.verdict.find("without a reload: a ran 2.00x slower than alone"), std::string::npos)
      << f.verdict;
  EXPECT_NE(f.verdict.find("differ in no model, num_ctx or num_gpu"), std::string::npos)
      << f.verdict;
}

TEST(Concurrency, AReloadSetApartIsNamedWithItsCauseAndIsNotContention) {
  auto b = agent("b", {1000, 1000}, 3000);
  b.reloads = 1;
  b.reload_cause = "the isolated phase shows it too";
  const auto f = concurrency_figures({agent("a", {1000, 1000}, 1000), b}, 3000);
  EXPECT_FALSE(f.contention);
  EXPECT_FALSE(f.reload_contention);
  EXPECT_TRUE(f.verdict.starts_with("no contention among the agents: efficiency 33.3% < 90.0%"))
      << f.verdict;
  EXPECT_NE(f.verdict.find("slower with a model reload set apart: b ran 3.00x slower"),
            std::string::npos)
      << f.verdict;
  EXPECT_NE(f.verdict.find("b's 1 model reload(s) are set apart: the isolated phase shows it too"),
            std::string::npos)
      << f.verdict;
  // An agent slower without a reload is still contention, named alone.
  auto a = agent("a", {1000, 1000}, 2500);
  const auto g = concurrency_figures({a, b}, 3000);
  EXPECT_TRUE(g.contention);
  EXPECT_TRUE(
      g.verdict.starts_with("contention: efficiency 33.3% < 90.0%; a ran 2.50x slower "
                            "than alone;"))
      << g.verdict;
}

TEST(Concurrency, OneBaselineRepetitionCannotShowStability) {
  const auto f = concurrency_figures({agent("a", {1000}, 1000), agent("b", {1000}, 1010)}, 1010);
  EXPECT_EQ(f.baseline_stable, kUnknown);
  EXPECT_NE(f.verdict.find("baseline stability unknown: one isolated repetition per agent"),
            std::string::npos)
      << f.verdict;
  EXPECT_TRUE(to_json(f)["baseline_stable"].is_null());
  // With one repetition an instability it can see still makes the baseline unstable.
  const auto g = concurrency_figures({agent("a", {3000}, 1000), agent("b", {1000}, 1000)}, 1000);
  EXPECT_EQ(g.baseline_stable, kUnstable);
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
  EXPECT_EQ(f.baseline_stable, kUnstable);
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
  EXPECT_EQ(f.baseline_stable, kStable) << f.verdict;
  EXPECT_TRUE(f.verdict.starts_with("no contention")) << f.verdict;
  // The same spread on the agent that sets the critical path is instability.
  const auto g =
      concurrency_figures({agent("short", {51, 52}, 52), agent("long", {900, 1100}, 1010)}, 1012);
  EXPECT_EQ(g.baseline_stable, kUnstable);
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
  EXPECT_EQ(f.baseline_stable, kUnstable);
  EXPECT_TRUE(f.verdict.starts_with("inconclusive: baseline unstable")) << f.verdict;
  EXPECT_NE(f.verdict.find("a ran faster together than alone"), std::string::npos);
  EXPECT_NE(f.verdict.find("above 100% beyond noise"), std::string::npos);

  // Within noise it is still a result, but says so; one repetition each
  // cannot show stability.
  const auto close = concurrency_figures({agent("a", {1000}, 990), agent("b", {990}, 985)}, 995);
  EXPECT_EQ(close.baseline_stable, kUnknown);
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

// The oracles below were computed apart from this code (Python's statistics
// module): geometric mean exp(mean(ln x)), bounds exp(m ± t(0.975, n−1) s / √n).
TEST(Concurrency, EstimateIsTOnTheLogs) {
  const auto e = estimate({1, 2, 3, 4});
  EXPECT_EQ(e.n, 4u);
  EXPECT_DOUBLE_EQ(*e.mean, 2.5);
  EXPECT_NEAR(*e.sd, 1.2909944487358056, 1e-12);
  EXPECT_NEAR(*e.geometric_mean, 2.213363839400643, 1e-9);  // 24^(1/4)
  EXPECT_NEAR(*e.ci95_low, 0.8503745620786807, 1e-9);
  EXPECT_NEAR(*e.ci95_high, 5.7609666422654335, 1e-9);
  const auto one = estimate({7});
  EXPECT_DOUBLE_EQ(*one.mean, 7);
  EXPECT_DOUBLE_EQ(*one.geometric_mean, 7);
  EXPECT_FALSE(one.sd);
  EXPECT_FALSE(one.ci95_low);
  EXPECT_FALSE(estimate({}).mean);
  // A value ≤ 0 is no ratio: no geometric mean, no interval.
  EXPECT_FALSE(estimate({0, 1}).ci95_low);
}

TEST(Concurrency, TheIntervalOfASkewedRatioStaysAboveZero) {
  // Three runs of an engine, one of them far off: 18.5%, 103.8%, 97.9%.
  // Student's t on the values would give 73.4% (95% CI −44.9–191.8%).
  const auto e = estimate({0.185, 1.038, 0.979});
  EXPECT_NEAR(*e.geometric_mean, 0.5728627602452105, 1e-9);
  EXPECT_NEAR(*e.ci95_low, 0.05029655808491533, 1e-9);
  EXPECT_NEAR(*e.ci95_high, 6.524735579753023, 1e-9);
  // Two runs far apart (t with 1 degree of freedom): still above 0.
  const auto two = estimate({0.5, 1.0});
  EXPECT_NEAR(*two.ci95_low, 0.008649890781550302, 1e-9);
  EXPECT_NEAR(*two.ci95_high, 57.80419806761837, 1e-6);
  EXPECT_GT(*two.ci95_low, 0);
}

TEST(Concurrency, OutlierRuleOnSkewedRuns) {
  // Median 0.979, |x − M| = 0.794, 0.059, 0 → MAD 0.059; limit
  // max(3 × 1.4826 × 0.059, 2 × 0.05 × 0.979) = max(0.2624202, 0.0979) = 0.2624202.
  const auto found = outliers({{1, 0.185}, {2, 1.038}, {3, 0.979}}, 0.05);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].run, 1);
  EXPECT_DOUBLE_EQ(found[0].median, 0.979);
  EXPECT_NEAR(found[0].limit, 0.2624202, 1e-9);
  // The others agree exactly (MAD 0): the noise floor 2 × 5% of the median
  // keeps a run 9% off from being an outlier, but not one 11% off.
  EXPECT_TRUE(outliers({{1, 1.0}, {2, 1.0}, {3, 0.91}}, 0.05).empty());
  const auto off = outliers({{1, 1.0}, {2, 1.0}, {3, 0.89}}, 0.05);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].run, 3);
  EXPECT_NEAR(off[0].limit, 0.1, 1e-12);
  // Two runs cannot name an outlier: each is as far from their median as the other.
  EXPECT_TRUE(outliers({{1, 0.185}, {2, 1.038}}, 0.05).empty());
}

// A run whose efficiency is `efficiency`: below 0.9, b waited the whole wall
// time (contention); above, neither agent slowed.
ConcurrencyFigures run_at(double efficiency) {
  const double wall = 1000 / efficiency;
  const double b = efficiency < 0.9 ? wall : 1000;
  return concurrency_figures({agent("a", {1000, 1000}, 1000), agent("b", {1000, 1000}, b)}, wall);
}

TEST(Concurrency, AnOutlyingRunMakesTheAggregateInconclusive) {
  // Two runs near 100% and one at 18.5%: their verdicts differ, and run 1 is
  // an outlier by the rule.
  const auto g = aggregate_concurrency({run_at(0.185), run_at(1.038), run_at(0.979)});
  EXPECT_TRUE(g.runs_disagree);
  ASSERT_EQ(g.outliers.size(), 1u);
  EXPECT_EQ(g.outliers[0].run, 1);
  EXPECT_TRUE(
      g.verdict.starts_with("inconclusive: runs disagree: run 1 contention (efficiency "
                            "18.5%); runs 2, 3 no contention (efficiency 103.8%, 97.9%)"))
      << g.verdict;
  EXPECT_NE(g.verdict.find("run 1 is an outlier (efficiency 18.5%, 79.4 points from the median "
                           "97.9% > the limit 26.2)"),
            std::string::npos)
      << g.verdict;
  ASSERT_TRUE(g.efficiency.ci95_low);
  EXPECT_GT(*g.efficiency.ci95_low, 0);
  const auto j = to_json(g);
  EXPECT_EQ(j["outliers"][0]["run"], 1);
  EXPECT_TRUE(j["runs_disagree"].get<bool>());
  EXPECT_FALSE(j["outlier_rule"].get<std::string>().empty());

  // Verdicts that agree and no outlier: a plain verdict over the runs.
  const auto agreed = aggregate_concurrency({run_at(0.99), run_at(1.0), run_at(0.98)});
  EXPECT_FALSE(agreed.runs_disagree);
  EXPECT_EQ(agreed.verdict, "no contention in 3 runs");
}

TEST(Concurrency, TheAbove100NoteComesFromTheRunsOwnJudgement) {
  // One run above 100% beyond noise: inconclusive, left out, and no
  // "above 100%" note at all.
  const auto beyond =
      concurrency_figures({agent("a", {1300, 1300}, 1000), agent("b", {1000, 1000}, 1000)}, 1000);
  EXPECT_EQ(beyond.baseline_stable, kUnstable);
  const auto g = aggregate_concurrency(std::vector<ConcurrencyFigures>{beyond});
  EXPECT_EQ(g.included, 0u);
  EXPECT_TRUE(g.above_100.empty());
  EXPECT_TRUE(g.verdict.starts_with("inconclusive: baseline unstable in 1 of 1 runs")) << g.verdict;
  // Within noise: the run says so, and so does the aggregate.
  const auto within =
      concurrency_figures({agent("a", {1020, 1020}, 1000), agent("b", {1000, 1000}, 1000)}, 1000);
  EXPECT_EQ(within.baseline_stable, kStable);
  const auto h = aggregate_concurrency(std::vector<ConcurrencyFigures>{within});
  EXPECT_EQ(h.above_100, "above 100% only within noise, as each included run judged its own");
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
  // Run 3 (efficiency 2500/1000 = 250%, baseline unstable) is inconclusive:
  // it stays out of the estimates, which hold runs 1 and 2 (50% and 100%).
  EXPECT_EQ(g.included, 2u);
  EXPECT_EQ(g.efficiency.n, 2u);
  EXPECT_NEAR(*g.efficiency.mean, (0.5 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(*g.efficiency.geometric_mean, 0.7071067811865476, 1e-12);  // √0.5
  ASSERT_EQ(g.left_out.size(), 1u);
  EXPECT_EQ(g.left_out[0], "run 3 (inconclusive: baseline unstable)");
  ASSERT_EQ(g.agents.size(), 2u);
  EXPECT_EQ(g.agents[1].name, "b");
  EXPECT_NEAR(*g.agents[1].slowdown.mean, (2.0 + 1.0) / 2, 1e-12);
  EXPECT_TRUE(g.agents[1].slowdown.ci95_low.has_value());
  // Runs 1 and 2 disagree (contention, then none).
  EXPECT_TRUE(
      g.verdict.starts_with("inconclusive: runs disagree: run 1 contention (efficiency "
                            "50.0%); run 2 no contention (efficiency 100.0%)"))
      << g.verdict;
  EXPECT_NE(g.verdict.find("left out of the figures: run 3 (inconclusive: baseline unstable)"),
            std::string::npos)
      << g.verdict;

  const auto j = to_json(g);
  EXPECT_EQ(j["contention_runs"], 1);
  EXPECT_EQ(j["unstable_runs"], 1);
  EXPECT_EQ(j["included_runs"], 2);
  EXPECT_EQ(j["left_out"][0], "run 3 (inconclusive: baseline unstable)");
  for (const char* field : {"speedup", "ideal_speedup", "efficiency", "efficiency_vs_n",
                            "critical_path_ms", "wall_ms", "sum_isolated_ms"}) {
    ASSERT_TRUE(j.contains(field)) << field;
    for (const char* part : {"mean", "sd", "geometric_mean", "ci95_low", "ci95_high", "n"}) {
      EXPECT_TRUE(j[field].contains(part)) << field << "." << part;
    }
    EXPECT_EQ(j[field]["n"], 2);
  }
  EXPECT_EQ(j["agents"][1]["slowdown"]["n"], 2);
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
