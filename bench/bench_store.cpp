// Results-store insert rate: requests recorded per second into PostgreSQL on
// loopback (batched multi-row INSERTs, server with its durable defaults:
// fsync on, synchronous_commit on), next to the SQLite file store. Each
// request carries 127 raw inter-token gaps in its JSON, as a 128-token reply.
// The PostgreSQL server is a throwaway one the benchmark starts itself.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "chimera/store/store.hpp"
#include "sample_request.hpp"
#include "support/postgres_server.hpp"

namespace {

constexpr int kRequestsPerIteration = 1000;

using chimera::bench::sample_request;

// One iteration: kRequestsPerIteration requests recorded, then flushed, so
// the time includes every row reaching the database. `batched`: inside a
// RecordBatch, as `chimera bench` records (SQLite: one transaction per
// flush instead of one per request).
void record_into(benchmark::State& state, const std::string& url, bool batched = false) {
  auto opened = chimera::store::open_store(url);
  if (!opened) {
    state.SkipWithError(opened.error().message.c_str());
    return;
  }
  auto& store = *opened;
  const auto run = *store->begin_run({});
  const auto configuration = *store->add_configuration(run, {.label = "bench"});
  const auto request = sample_request(1);
  chimera::store::RecordBatch batch(batched ? store.get() : nullptr);
  for (auto _ : state) {
    for (int i = 0; i < kRequestsPerIteration; ++i) {
      if (!store->record_request(run, configuration, request)) state.SkipWithError("insert failed");
    }
    if (!store->flush()) state.SkipWithError("flush failed");
  }
  state.SetItemsProcessed(state.iterations() * kRequestsPerIteration);
}

// Argument 1: the server's durable defaults (fsync on, synchronous_commit
// on); 0: fsync and synchronous_commit off, to show what the commits cost.
void BM_PostgresqlRecordRequest(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  static std::string error;
  static const std::unique_ptr<chimera::testing::PostgresServer> servers[2] = {
      chimera::testing::PostgresServer::start({.durable = false}, &error),
      chimera::testing::PostgresServer::start({.durable = true}, &error)};
  const auto& server = servers[durable ? 1 : 0];
  if (!server) {
    state.SkipWithError(("no PostgreSQL server: " + error).c_str());
    return;
  }
  const auto url = server->create_database(&error);
  if (url.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  record_into(state, url);
}
BENCHMARK(BM_PostgresqlRecordRequest)
    ->ArgName("durable")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMillisecond);

void BM_SqliteRecordRequest(benchmark::State& state) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("chimera-bench-store-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  record_into(state, (dir / "bench.sqlite").string(), state.range(0) != 0);
  std::filesystem::remove_all(dir);
}
// Argument 0: one transaction per request; 1: batched.
BENCHMARK(BM_SqliteRecordRequest)
    ->ArgName("batched")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
