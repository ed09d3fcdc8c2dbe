// The benchmark runner's flushes, in-process against a simulator over real
// HTTP on loopback: a lone result is flushed at once; a stream of fast ones
// is flushed in groups, not one by one.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "chimera/backends/backend.hpp"
#include "chimera/orchestrate/bench/bench_runner.hpp"
#include "chimera/orchestrate/common/sim_launcher.hpp"
#include "chimera/sim/config.hpp"

namespace chimera::orchestrate {
namespace {

std::unique_ptr<backends::Backend> backend_for(const std::string& url) {
  backends::BackendOptions o;
  o.kind = "ollama";
  o.url = url;
  return backends::make_backend(o).value();
}

struct Counts {
  int results = 0;
  int flushes = 0;
  int unflushed = 0;  // results since the last flush
  int most_unflushed = 0;
};

RunPlan plan_of(int tokens, int runs, int concurrency) {
  RunPlan plan;
  plan.model = "gemma3:latest";
  plan.options = {{"num_predict", tokens}};
  plan.prompts = {"Hello"};
  plan.warmup = 1;
  plan.runs = runs;
  plan.concurrency = concurrency;
  return plan;
}

RunOutcome run_counting(backends::Backend& backend, const RunPlan& plan, Counts& counts) {
  return run_plan(
      backend, plan,
      [&](const measure::RequestResult&) {
        ++counts.results;
        counts.most_unflushed = std::max(counts.most_unflushed, ++counts.unflushed);
      },
      [&] {
        ++counts.flushes;
        counts.unflushed = 0;
      });
}

// One request at a time, each longer than the flush interval (40 tokens at
// 1,000 tok/s): every result is flushed before the next one comes.
TEST(BenchRunnerFlush, SlowSequentialResultsAreEachFlushedAtOnce) {
  auto config = sim::default_sim_config();
  config.threads = 1;
  for (auto& m : config.models) {
    m.load_ms = 1;
    m.decode_tps = 1000;
    m.prefill_tps = 1e6;
    m.jitter = 0;
  }
  SimLauncher sims;
  auto backend = backend_for(sims.start(config));
  const auto plan = plan_of(40, 4, 1);
  Counts counts;
  const auto outcome = run_counting(*backend, plan, counts);
  EXPECT_EQ(outcome.measured, 4);
  EXPECT_EQ(counts.results, 5);
  // Each result is flushed before the runner waits for the next one; the
  // last is left to the caller, which flushes after run_plan.
  EXPECT_EQ(counts.flushes, 4);
  EXPECT_EQ(counts.most_unflushed, 1);
  EXPECT_EQ(counts.unflushed, 1);
}

// Thousands of results a second: flushed in groups, none larger than the
// limit allows.
TEST(BenchRunnerFlush, FastResultsAreFlushedInGroups) {
  auto config = sim::default_sim_config();
  config.threads = 1;
  config.rate_limits = false;
  config.parallel = 64;
  SimLauncher sims;
  auto backend = backend_for(sims.start(config));
  const auto plan = plan_of(4, 3000, 32);
  Counts counts;
  const auto outcome = run_counting(*backend, plan, counts);
  EXPECT_EQ(outcome.measured, 3000);
  EXPECT_EQ(counts.results, 3001);
  EXPECT_GE(counts.flushes, 1);
  EXPECT_LT(counts.flushes, counts.results / 4);
  EXPECT_GT(counts.most_unflushed, 4);
  // Groups stay small: at most kFlushResults, plus what one wake-up took.
  EXPECT_LE(counts.most_unflushed, kFlushResults + plan.concurrency);
}

}  // namespace
}  // namespace chimera::orchestrate
