// Ctrl-C twice on a real `chimera bench` against a slow `chimera sim`: the
// second interrupt skips waiting for the requests in flight, but what was
// measured is still written: the --output files, the console summary and the
// stored rows, all holding the same requests.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "support/process.hpp"
#include "support/run_files.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(BenchInterrupt, SecondCtrlCStillWritesWhatWasMeasured) {
  // 40 tokens at 40 tokens/s: each request takes a second, four at a time.
  SimProcess sim({"--decode-tps", "40", "--parallel", "4", "--load-ms", "10", "--jitter", "0"});
  TempDir dir;
  const fs::path store = fs::path(dir.path()) / "results.sqlite";
  const fs::path json = fs::path(dir.path()) / "b.json";
  const fs::path jsonl = fs::path(dir.path()) / "b.jsonl";
  const fs::path md = fs::path(dir.path()) / "b.md";
  ChildProcess bench(chimera_binary(),
                     {"bench", "--endpoint", sim.url(), "--runs", "40", "--concurrency", "4",
                      "--num-predict", "40", "--store", store.string(), "--output", json.string(),
                      "--output", jsonl.string(), "--output", md.string()});
  // The warm-up and at least four measured requests are stored, others in flight.
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until &&
         sqlite_count(store, "SELECT COUNT(*) FROM requests WHERE warmup = 0") < 4) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GE(sqlite_count(store, "SELECT COUNT(*) FROM requests WHERE warmup = 0"), 4)
      << bench.stderr_text();
  bench.send_signal(SIGINT);
  std::this_thread::sleep_for(1ms);
  bench.send_signal(SIGINT);
  const auto code = bench.wait(30s);
  ASSERT_TRUE(code.has_value()) << "still running after two interrupts";
  EXPECT_EQ(*code, 130) << bench.stderr_text();

  // Every file holds the same requests as the store.
  ASSERT_TRUE(fs::exists(json)) << bench.stderr_text();
  ASSERT_TRUE(fs::exists(jsonl));
  ASSERT_TRUE(fs::exists(md));
  const auto stored = sqlite_count(store, "SELECT COUNT(*) FROM requests");
  const auto measured = sqlite_count(store, "SELECT COUNT(*) FROM requests WHERE warmup = 0");
  EXPECT_GE(measured, 4);
  EXPECT_LT(measured, 40) << "the interrupts came too late to test anything";
  const auto report = nlohmann::json::parse(slurp(json), nullptr, false);
  ASSERT_FALSE(report.is_discarded());
  const auto& counts = report["configurations"][0]["counts"];
  EXPECT_EQ(counts["total"].get<long long>(), stored);
  EXPECT_EQ(counts["total"].get<long long>() - counts["warmup"].get<long long>(), measured);
  std::istringstream lines(slurp(jsonl));
  long long exported = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
    ++exported;
  }
  EXPECT_EQ(exported, stored);
  EXPECT_EQ(sqlite_count(store, "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'"), 1);
  // The console summary was printed, and says the results are partial.
  const auto out = bench.stdout_text();
  EXPECT_NE(out.find("gemma3:latest"), std::string::npos) << out;
  EXPECT_NE(out.find("interrupted"), std::string::npos) << out;
}

}  // namespace
}  // namespace chimera::testing
