// Costs of the statistics, the result accumulator and the results store.
// Figures and the commands that reproduce them: docs/perf/stats.md.

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "chimera/report/model.hpp"
#include "chimera/stats/compare.hpp"
#include "chimera/stats/descriptive.hpp"
#include "chimera/store/store.hpp"
#include "sample_request.hpp"

namespace {

std::vector<double> latencies(std::size_t n) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(4.6, 0.25);  // around 100 ms
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

using chimera::bench::sample_request;

void BM_SummarizeWithoutBootstrap(benchmark::State& state) {
  const auto values = latencies(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(chimera::stats::summarize(values, {.resamples = 0}));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SummarizeWithoutBootstrap)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_SummarizeWithBootstrap2000(benchmark::State& state) {
  const auto values = latencies(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(chimera::stats::summarize(values));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SummarizeWithBootstrap2000)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_Compare(benchmark::State& state) {
  const auto a = latencies(static_cast<std::size_t>(state.range(0)));
  auto b = a;
  for (auto& x : b) x *= 1.02;
  for (auto _ : state) benchmark::DoNotOptimize(chimera::stats::compare(a, b));
}
BENCHMARK(BM_Compare)->Arg(30)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_AccumulatorAdd(benchmark::State& state) {
  const auto request = sample_request(1);
  chimera::report::ConfigurationAccumulator acc;
  for (auto _ : state) acc.add(request);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccumulatorAdd);

// A 100,000-request configuration streamed through the accumulator and
// summarised (with the bootstrap), as `chimera bench --runs 100000` does; the
// process's peak RSS afterwards is reported as a counter.
void BM_Accumulate100kRequests(benchmark::State& state) {
  for (auto _ : state) {
    chimera::report::ConfigurationAccumulator acc;
    for (int i = 0; i < 100000; ++i) acc.add(sample_request(i));
    benchmark::DoNotOptimize(acc.finish());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_Accumulate100kRequests)->Iterations(1)->Unit(benchmark::kSecond);

// Durable inserts: WAL, synchronous=NORMAL, one transaction per request, each
// request with 127 raw inter-token gaps in its JSON.
void BM_StoreRecordRequest(benchmark::State& state) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("chimera-bench-store-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    auto store = std::move(*chimera::store::open_store((dir / "bench.sqlite").string()));
    const auto run = *store->begin_run({});
    const auto configuration = *store->add_configuration(run, {.label = "bench"});
    const auto request = sample_request(1);
    for (auto _ : state) {
      if (!store->record_request(run, configuration, request)) state.SkipWithError("insert failed");
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_StoreRecordRequest)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
