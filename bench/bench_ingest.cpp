// Ingest throughput: CSV and JSON parsing on one core, the shared artifacts
// folder end to end, and (with --generate-tree DIR) a generator for the
// 100,000-file tree measured with /usr/bin/time in docs/perf/ingest.md.

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/csv.hpp"
#include "chimera/ingest/figure_index.hpp"
#include "chimera/ingest/json_doc.hpp"
#include "chimera/ingest/table.hpp"

namespace {
namespace fs = std::filesystem;
using namespace chimera::ingest;

// Rows shaped like real sweep output: quoted text with commas, floats, ints.
std::string sweep_csv(std::size_t target_bytes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> tps(60, 110), ttft(0.05, 3.0);
  std::string out =
      "timestamp,config_name,num_gpu,num_ctx,temperature,prompt_text,tokens_s,ttft_s,eval_count,"
      "error\n";
  std::size_t row = 0;
  while (out.size() < target_bytes) {
    const int gpu = 40 + static_cast<int>(row % 4) * 20;
    fmt::format_to(std::back_inserter(out),
                   "2025-10-02T19:18:24.204845+00:00,g{}_c2048_t0.8,{},2048,0.8,\"Prompt {}, with "
                   "\"\"quotes\"\" and a comma\",{:.6f},{:.6f},{},\n",
                   gpu, gpu, row, tps(rng), ttft(rng), 100 + row % 400);
    ++row;
  }
  return out;
}

std::string records_json(std::size_t target_bytes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> tps(60, 110), ttft(0.05, 3.0);
  std::string out = "{\"generated_at\":\"2025-10-08T16:29:11Z\",\"results\":[";
  std::size_t row = 0;
  while (out.size() < target_bytes) {
    if (row > 0) out += ',';
    fmt::format_to(std::back_inserter(out),
                   "{{\"model\":\"gemma3:latest\",\"prompt_index\":{},\"options\":{{\"num_gpu\":{},"
                   "\"temperature\":0.8}},\"ttft_s\":{:.6f},\"tokens_s\":{:.6f},\"eval_count\":{},"
                   "\"error\":null}}",
                   row, 40 + row % 4 * 20, ttft(rng), tps(rng), 100 + row % 400);
    ++row;
  }
  out += "]}";
  return out;
}

void BM_CsvParseOnly(benchmark::State& state) {
  const std::string text = sweep_csv(32u << 20, 1);
  std::size_t rows = 0;
  for (auto _ : state) {
    CsvParser parser([&](const std::vector<std::string_view>&, std::size_t) { ++rows; });
    for (std::size_t i = 0; i < text.size(); i += 1u << 20)
      parser.feed(std::string_view(text).substr(i, 1u << 20));
    parser.finish();
  }
  benchmark::DoNotOptimize(rows);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CsvParseOnly)->Unit(benchmark::kMillisecond);

// Parsing plus the per-table analysis (types, statistics, extremes, figure index).
void BM_CsvParseAndAnalyse(benchmark::State& state) {
  const std::string text = sweep_csv(32u << 20, 2);
  for (auto _ : state) {
    FigureIndex figures;
    const auto fid = figures.add_file("/bench", "sweep.csv");
    std::unique_ptr<TableAccumulator> table;
    std::vector<Cell> cells;
    CsvParser parser([&](const std::vector<std::string_view>& fields, std::size_t line) {
      if (!table) {
        table = std::make_unique<TableAccumulator>(
            std::vector<std::string>(fields.begin(), fields.end()), Provenance{}, "csv", &figures,
            fid);
        return;
      }
      cells.clear();
      for (auto field : fields) cells.push_back(Cell::from_text(field));
      table->add_row(cells, line);
    });
    for (std::size_t i = 0; i < text.size(); i += 1u << 20)
      parser.feed(std::string_view(text).substr(i, 1u << 20));
    parser.finish();
    benchmark::DoNotOptimize(table->finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CsvParseAndAnalyse)->Unit(benchmark::kMillisecond);

void BM_JsonParseAndAnalyse(benchmark::State& state) {
  const std::string text = records_json(32u << 20, 3);
  for (auto _ : state) {
    FigureIndex figures;
    const auto fid = figures.add_file("/bench", "results.json");
    benchmark::DoNotOptimize(analyse_json(text, Provenance{}, &figures, fid));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_JsonParseAndAnalyse)->Unit(benchmark::kMillisecond);

void BM_SharedArtifacts(benchmark::State& state) {
  const fs::path dir = fs::path(CHIMERA_SHARED_DIR) / "data" / "chimera-artifacts";
  if (!fs::is_directory(dir)) {
    state.SkipWithError("../shared/data/chimera-artifacts is absent");
    return;
  }
  std::size_t files = 0;
  for (auto _ : state) {
    const Analysis analysis = analyse({dir});
    files = analysis.inventory.total_files;
  }
  state.counters["files"] = static_cast<double>(files);
}
BENCHMARK(BM_SharedArtifacts)->Unit(benchmark::kMillisecond);

// 1,000 directories x 100 files (CSV, JSON, Markdown, text) of ~8 KB, plus two
// 100 MB CSV files that must be streamed: about 1 GB in all.
int generate_tree(const fs::path& root) {
  const std::string csv = sweep_csv(8u << 10, 4);
  const std::string json = records_json(8u << 10, 5);
  std::string md =
      "# Sweep report\n\n| config | num_gpu | Tokens/s | TTFT (s) |\n|---|---|---|---|\n";
  for (int i = 0; md.size() < (8u << 10); ++i) {
    fmt::format_to(std::back_inserter(md), "| g{} | {} | {}.5 | 0.{} |\n", i, i % 100, 90 + i % 17,
                   100 + i % 50);
  }
  const std::string other(8u << 10, 'x');
  for (int d = 0; d < 1000; ++d) {
    const fs::path dir = root / fmt::format("run_{}", d / 100) / fmt::format("dir_{}", d);
    fs::create_directories(dir);
    for (int f = 0; f < 100; ++f) {
      const int kind = f % 10;
      const std::string& body = kind < 6 ? csv : kind < 8 ? json : kind < 9 ? md : other;
      const char* ext = kind < 6 ? ".csv" : kind < 8 ? ".json" : kind < 9 ? ".md" : ".txt";
      std::ofstream(dir / fmt::format("f{}{}", f, ext), std::ios::binary) << body;
    }
  }
  const std::string big = sweep_csv(100u << 20, 6);
  for (int i = 0; i < 2; ++i) {
    std::ofstream(root / fmt::format("big_{}.csv", i), std::ios::binary) << big;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--generate-tree") == 0) return generate_tree(argv[2]);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
