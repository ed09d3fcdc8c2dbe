// Command-line edges: values out of range are refused rather than wrapped or
// accepted, words are taken for what they are, and what is asked for is written.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string fast_sim() {
  return source_dir() + "/tests/fixtures/sim-fast.yaml";
}

TEST(CliLimits, SimRefusesAPortAbove65535) {
  auto r = run_chimera({"sim", "--port", "70000"}, {}, std::chrono::seconds(20));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "70000")) << r.err;
  EXPECT_FALSE(contains(r.out, "listening")) << r.out;
}

TEST(CliLimits, EveryTimeoutFlagMustBePositive) {
  for (const char* flag :
       {"--timeout-total", "--timeout-connect", "--timeout-first-token", "--timeout-idle"}) {
    for (const char* value : {"0", "-1"}) {
      auto r = run_chimera(
          {"bench", "--sim", "--runs", "1", "--no-store", fmt::format("{}={}", flag, value)});
      EXPECT_EQ(r.exit_code, 2) << flag << "=" << value << "\n" << r.out << r.err;
      EXPECT_TRUE(contains(r.err, flag)) << r.err;
    }
  }
  auto run = run_chimera({"run", "--sim", "--data", ".", "--timeout-total=0"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  auto doctor = run_chimera({"doctor", "--timeout-connect=-1"});
  EXPECT_EQ(doctor.exit_code, 2) << doctor.err;
}

TEST(CliLimits, MaxLineBytesIsTakenByTheServerCommands) {
  for (const char* command : {"bench", "sweep", "run", "doctor"}) {
    auto r = run_chimera({command, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(contains(r.out, "--max-line-bytes")) << command << "\n" << r.out;
  }
  // A limit below the simulator's longest stream line fails those requests as malformed.
  auto r =
      run_chimera({"--json", "bench", "--sim", "--sim-config", fast_sim(), "--runs", "1",
                   "--warmup", "0", "--num-predict", "5", "--no-store", "--max-line-bytes", "64"});
  EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "malformed")) << r.out;
}

TEST(CliLimits, UnknownCommandIsNamedAndTheCommandsListed) {
  auto r = run_chimera({"nosuchcmd"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'nosuchcmd'")) << r.err;
  for (const char* name : {"run", "bench", "sweep", "doctor", "sim", "report"}) {
    EXPECT_TRUE(contains(r.err, name)) << r.err;
  }
  EXPECT_FALSE(contains(r.err, "A subcommand is required")) << r.err;
  // Global options before the command still work.
  auto ok = run_chimera({"--no-color", "doctor", "--help"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(CliLimits, DoctorTakesTheUrlAfterModelAsTheEndpoint) {
  SimProcess sim;
  auto r = run_chimera({"doctor", "--model", "gemma3:latest", sim.url()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, sim.url())) << r.out;
  EXPECT_TRUE(contains(r.out, "gemma3:latest: present")) << r.out;
  EXPECT_FALSE(contains(r.out, "localhost:11434")) << r.out;
}

TEST(CliLimits, BenchWithoutAStoreStillWritesTheJsonl) {
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "r.jsonl";
  auto r = run_chimera({"bench", "--sim", "--sim-config", fast_sim(), "--runs", "3", "--warmup",
                        "1", "--num-predict", "5", "--no-store", "--output", "r.jsonl"},
                       {}, std::chrono::seconds(120), dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "store")) << r.err;
  EXPECT_FALSE(contains(r.out, "Stored as run")) << r.out;
  std::ifstream in(out);
  std::size_t rows = 0, measured = 0;
  for (std::string line; std::getline(in, line); ++rows) {
    const auto j = nlohmann::json::parse(line);
    if (!j.value("warmup", false)) ++measured;
  }
  EXPECT_EQ(measured, 3u);
  EXPECT_GE(rows, 3u);
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "chimera-results.sqlite"));
}

TEST(CliLimits, BenchNamesAnHtmlPageAnsweredToAnOpenAiStream) {
  auto r = run_chimera({"--json", "bench", "--sim", "--backend", "openai", "--sim-config",
                        fast_sim(), "--model", "gemma3:latest@fault=html_200", "--runs", "1",
                        "--warmup", "0", "--no-store"});
  EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "HTML") || contains(r.out, "text/html")) << r.out;
  EXPECT_FALSE(contains(r.out, "0 text chunks")) << r.out;
}

}  // namespace
}  // namespace chimera::testing
