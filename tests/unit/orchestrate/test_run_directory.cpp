// A finished run read back from its metrics.json is the run that was written,
// and a run directory is refused or resumed as --resume says.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/orchestrate/run/run_directory.hpp"
#include "chimera/report/combined_report.hpp"
#include "chimera/util/error.hpp"
#include "support/process.hpp"

namespace chimera::orchestrate {
namespace {
namespace fs = std::filesystem;

RunRecord sample_run(int index) {
  RunRecord r;
  r.index = index;
  r.scenario = "baseline_vs_chimera";
  r.simulated = true;
  r.started_at = "2026-01-02T03:04:05.678Z";
  r.ingest_ms = 12.5;
  r.concurrent_wall_ms = 840.25;
  r.isolated_first = index % 2 == 1;
  AgentOutcome a;
  a.agent = "DataCollector-9000";
  a.persona = "DataCollector-9000";
  a.profile = "baseline";
  a.model = "gemma3:latest";
  a.endpoint = "http://127.0.0.1:1234";
  a.options = {{"num_ctx", 4096}};
  a.ok = true;
  a.metrics.calls = 2;
  a.metrics.throughput_tps = 41.5;
  a.metrics.ttft_ms = 120.0;
  a.metrics.tokens_generated = 300;
  a.verification.figures = 7;
  a.verification.verified = 5;
  a.report_file = "DataCollector-9000_report.md";
  a.start_ms = 1.5;
  a.end_ms = 800;
  r.agents.push_back(a);
  a.agent = "InsightAgent";
  a.ok = false;
  a.failure = "analysis timeout: first-token timeout";
  a.metrics.throughput_tps.reset();
  r.agents.push_back(a);
  ConcurrencyFigures f;
  f.measured = true;
  f.agents = 2;
  f.sum_isolated_ms = 1500;
  f.critical_path_ms = 800;
  f.wall_ms = 840.25;
  f.speedup = 1.785;
  f.ideal_speedup = 1.875;
  f.efficiency = 0.952;
  f.efficiency_vs_n = 0.89;
  f.unstable_reasons = {"InsightAgent's repetitions differ by 20%"};
  f.verdict = "no contention";
  f.per_agent.push_back(
      {"DataCollector-9000", 700, 760, 1.086, 0.04, 0.05, 3, false, true, 0, "", {}});
  f.per_agent.push_back({"InsightAgent",
                         800,
                         830,
                         1.0375,
                         0.02,
                         0.05,
                         3,
                         true,
                         true,
                         1,
                         "the isolated phase shows it too",
                         {"call 1: load_duration 900 ms > 500 ms (server statistics)"}});
  r.concurrency = f;
  return r;
}

TEST(RunDirectory, MetricsJsonReadsBackToTheSameRecord) {
  for (int index : {1, 2}) {
    const auto written = to_json(sample_run(index));
    EXPECT_EQ(to_json(run_record_from_json(written)), written) << written.dump(2);
  }
  RunRecord plain = sample_run(3);
  plain.concurrency.reset();
  EXPECT_EQ(to_json(run_record_from_json(to_json(plain))), to_json(plain));
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(RunDirectory, RefusesAnExistingRunWithoutResume) {
  testing::TempDir dir;
  const fs::path out = dir.path();
  EXPECT_EQ(open_run_directory(out / "absent", false, "s").first_run, 1);
  write(out / "requests.jsonl", "");
  try {
    open_run_directory(out, false, "s");
    FAIL() << "not refused";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--output-dir"), std::string::npos) << e.what();
  }
}

TEST(RunDirectory, ResumeKeepsFinishedRunsAndCutsTheRest) {
  testing::TempDir dir;
  const fs::path out = dir.path();
  auto one = sample_run(1);
  write(out / "run_1" / "metrics.json", to_json(one).dump());
  auto two = sample_run(2);
  write(out / "run_2" / "metrics.json", to_json(two).dump());
  write(out / "run_2" / "INCOMPLETE.md", "partial");
  write(out / "run_3" / "stray.md", "left by an older attempt");
  write(out / "requests.jsonl",
        "{\"id\":\"r1-a\",\"run\":1}\n{\"id\":\"r1-b\",\"run\":1}\n{\"id\":\"r2-a\",\"run\":2}\n"
        "{\"id\":\"r2-b\",\"ru");
  const auto state = open_run_directory(out, true, one.scenario);
  EXPECT_EQ(state.first_run, 2);
  ASSERT_EQ(state.kept.size(), 1u);
  EXPECT_EQ(to_json(state.kept[0]), to_json(one));
  EXPECT_EQ(state.dropped_lines, 2u);
  EXPECT_TRUE(fs::exists(out / "run_1" / "metrics.json"));
  EXPECT_FALSE(fs::exists(out / "run_2"));
  EXPECT_FALSE(fs::exists(out / "run_3"));
  std::ifstream in(out / "requests.jsonl");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{\"id\":\"r1-a\",\"run\":1}\n{\"id\":\"r1-b\",\"run\":1}\n");
  // Another scenario's directory is not continued.
  EXPECT_THROW(open_run_directory(out, true, "another"), UsageError);
}

}  // namespace
}  // namespace chimera::orchestrate
