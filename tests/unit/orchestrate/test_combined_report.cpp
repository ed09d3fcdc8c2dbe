// orchestrate's figures as report/ renders them into combined_report.md and
// summary.md.
#include <gtest/gtest.h>

#include "chimera/orchestrate/run/concurrency.hpp"
#include "chimera/orchestrate/run/concurrency_aggregate.hpp"
#include "chimera/report/combined_report.hpp"

namespace chimera::orchestrate {
namespace {

AgentTimes agent(std::string name, std::vector<double> isolated, double concurrent, bool ok) {
  AgentTimes a;
  a.name = std::move(name);
  a.isolated_ms = std::move(isolated);
  a.concurrent_ms = concurrent;
  a.ok = ok;
  return a;
}

RunRecord record(ConcurrencyFigures figures, double wall_ms, bool interrupted) {
  RunRecord r;
  r.index = 1;
  r.scenario = "pair";
  r.interrupted = interrupted;
  r.concurrent_wall_ms = wall_ms;
  r.concurrency = std::move(figures);
  return r;
}

TEST(CombinedReport, AnInterruptedRunShowsMissingValuesNotZeros) {
  // Interrupted after the isolated phase: nothing ran concurrently.
  const auto f = concurrency_figures(
      {agent("a", {1000, 1010}, 0, false), agent("b", {2000, 2010}, 0, false)}, 0);
  const auto md = report::render_combined_report(record(f, 0, true));
  EXPECT_EQ(md.find("0.0 ms (measured)"), std::string::npos) << md;
  EXPECT_EQ(md.find("0.00x"), std::string::npos) << md;
  EXPECT_NE(md.find("Concurrent wall time:** n/a (interrupted"), std::string::npos) << md;
  EXPECT_NE(md.find("| a | n/a (interrupted) | n/a | n/a (interrupted) | n/a (interrupted) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("not measured"), std::string::npos);
}

TEST(CombinedReport, EfficiencyAboveOneHundredPercentIsFlagged) {
  // The engine was slow during the baseline: together looks faster than alone.
  const auto f = concurrency_figures(
      {agent("a", {38100, 9600}, 9600, true), agent("b", {9500, 9500}, 9700, true)}, 9800);
  ASSERT_TRUE(f.measured);
  ASSERT_GT(f.efficiency, 1.0);
  const auto md = report::render_combined_report(record(f, 9800, false));
  EXPECT_NE(md.find("(above 100%: baseline unstable, not a result)"), std::string::npos) << md;
  EXPECT_NE(md.find("inconclusive: baseline unstable"), std::string::npos);
  const std::vector<RunRecord> runs = {record(f, 9800, false)};
  const auto summary = report::render_summary_markdown(
      runs, false, "pair", aggregate_runs(runs, RunsAggregated::kFinished));
  // Across runs the inconclusive run is left out, and says so: no figure
  // above 100% is shown as a result.
  EXPECT_NE(summary.find("Left out of the figures (their own verdict was inconclusive): run 1 "
                         "(inconclusive: baseline unstable)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("**Verdict:** inconclusive: baseline unstable in 1 of 1 runs"),
            std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("above 100% only within noise"), std::string::npos) << summary;
}

TEST(CombinedReport, DefinitionsAndTheOriginalFigureAreLabelled) {
  const auto f = concurrency_figures(
      {agent("quick", {200, 201}, 202, true), agent("long", {2000, 2002}, 2005, true)}, 2010);
  const auto md = report::render_combined_report(record(f, 2010, false));
  EXPECT_NE(md.find("**efficiency** = W* / W"), std::string::npos) << md;
  EXPECT_NE(md.find("| efficiency_vs_n (speedup / N, the original's figure) | 54.8% |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| efficiency | 99.6% |"), std::string::npos) << md;
  const auto j = report::to_json(record(f, 2010, false))["concurrency"];
  EXPECT_EQ(j["agents"][1]["name"], "long");
  EXPECT_DOUBLE_EQ(j["critical_path_ms"].get<double>(), 2001);
}

}  // namespace
}  // namespace chimera::orchestrate
