// `chimera run` after kill -9: --resume keeps the finished runs byte for byte,
// redoes the one in flight, continues the dead process's store run (without
// the redone run's partial rows) and leaves requests.jsonl with unique ids,
// each naming that store run. Without --resume the existing directory is
// refused and left alone.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "chimera/store/store.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = slurp(e.path());
  }
  return files;
}

bool requests_mention_run(const fs::path& path, int run) {
  return slurp(path).find(fmt::format("\"run\":{}", run)) != std::string::npos;
}

TEST(RunResume, KillNineThenResumeKeepsRunOneAndFinishesTheRest) {
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  const std::vector<std::string> args{"run",
                                      "--sim",
                                      "--sim-config",
                                      source_dir() + "/tests/fixtures/sim-slow.yaml",
                                      "--artifacts",
                                      source_dir() + "/examples/artifacts",
                                      "--output-dir",
                                      out.string(),
                                      "--runs",
                                      "3",
                                      "--option",
                                      "num_predict=60",
                                      "--baseline-runs",
                                      "1"};
  {
    ChildProcess child(chimera_binary(), args);
    // Run 2 in flight, with some of its requests already written: kill -9.
    for (int i = 0; i < 1200 &&
                    !(fs::exists(out / "run_2") && requests_mention_run(out / "requests.jsonl", 2));
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_TRUE(fs::exists(out / "run_2")) << child.stderr_text();
    child.send_signal(SIGKILL);
    ASSERT_TRUE(child.wait(std::chrono::seconds(10)).has_value());
  }
  ASSERT_FALSE(fs::exists(out / "run_1" / "INCOMPLETE.md"));
  ASSERT_TRUE(fs::exists(out / "run_2" / "INCOMPLETE.md"));
  const auto run_1 = snapshot(out / "run_1");
  ASSERT_FALSE(run_1.empty());

  // The same command again, without --resume: refused, nothing touched.
  const auto before = snapshot(out);
  auto refused = run_chimera(args);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--output-dir"), std::string::npos) << refused.err;
  EXPECT_EQ(snapshot(out), before);

  auto with_resume = args;
  with_resume.push_back("--resume");
  auto resumed = run_chimera(with_resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_NE(resumed.out.find("3 finished run(s) (1 kept from before)"), std::string::npos)
      << resumed.out;
  EXPECT_EQ(snapshot(out / "run_1"), run_1);
  for (const char* run : {"run_2", "run_3"}) {
    EXPECT_TRUE(fs::exists(out / run / "combined_report.md")) << run;
    EXPECT_FALSE(fs::exists(out / run / "INCOMPLETE.md")) << run;
  }
  const auto summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_TRUE(summary["complete"].get<bool>());
  ASSERT_EQ(summary["runs"].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(summary["runs"][i]["run"], i + 1);

  // The store: the killed process's run, continued and complete, with each
  // agent of runs 1-3 once.
  auto store = store::open_store((out / "results.sqlite").string());
  ASSERT_TRUE(store) << store.error().message;
  auto runs = (*store)->runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, store::RunStatus::kComplete);
  auto agents = (*store)->agent_results((*runs)[0].id);
  ASSERT_TRUE(agents);
  std::map<int, std::multiset<std::string>> agents_by_run;
  for (const auto& a : *agents) agents_by_run[a.run_index].insert(a.agent);
  ASSERT_EQ(agents_by_run.size(), 3u);
  for (const auto& [run, names] : agents_by_run) {
    EXPECT_EQ(names, agents_by_run[1]) << run;
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << run;
  }

  // requests.jsonl: whole lines, unique ids, each with the store run that holds it.
  std::ifstream in(out / "requests.jsonl");
  std::set<std::string> ids;
  std::set<int> runs_seen;
  std::size_t rows = 0;
  for (std::string line; std::getline(in, line); ++rows) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(ids.insert(j["id"].get<std::string>()).second) << "duplicate id " << j["id"];
    const int run = j["run"].get<int>();
    runs_seen.insert(run);
    EXPECT_EQ(j["store_run_id"].get<std::int64_t>(), (*runs)[0].id) << line;
  }
  EXPECT_GT(rows, 0u);
  EXPECT_EQ(runs_seen, (std::set<int>{1, 2, 3}));
}

TEST(RunResume, ResumeNeedsAnOutputDirectory) {
  auto r = run_chimera(
      {"run", "--sim", "--artifacts", source_dir() + "/examples/artifacts", "--resume"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--output-dir"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace chimera::testing
