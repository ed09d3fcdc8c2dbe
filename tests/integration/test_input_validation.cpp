// Input the real `chimera` binary must refuse with a clear error naming the
// option (and the file and line, from a config file), quickly and without
// measuring anything: NaN and infinite numbers, a rate that would wait for
// ever, sizes that would exhaust memory, known server options out of range.
// Unknown options still pass through, profile bases resolve in any order, and
// a config file that defines nothing is refused.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

std::vector<std::string> sim_bench(std::vector<std::string> extra) {
  std::vector<std::string> args{"bench",    "--sim", "--sim-config", fast_sim(),      "--runs", "1",
                                "--warmup", "0",     "--no-store",   "--num-predict", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A refused command: exit 2, nothing measured, within a few seconds.
void expect_refused(const std::vector<std::string>& args, const std::vector<std::string>& says) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_chimera(args, {}, std::chrono::seconds(30));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string shown;
  for (const auto& a : args) shown += a + " ";
  EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.out << r.err;
  for (const auto& part : says) EXPECT_TRUE(contains(r.err, part)) << shown << "\n" << r.err;
  EXPECT_FALSE(contains(r.err, "internal error")) << r.err;
  EXPECT_LT(seconds, 15.0) << shown;
}

TEST(InputValidation, NanAndInfiniteNumbersAreRefusedWhereverANumberIsRead) {
  for (const char* flag :
       {"--timeout-total", "--timeout-idle", "--timeout-connect", "--timeout-first-token"}) {
    for (const char* value : {"nan", "NaN", "inf", "-nan"}) {
      expect_refused(sim_bench({fmt::format("{}={}", flag, value)}),
                     {flag, fmt::format("'{}' is not a finite number", value)});
    }
  }
  expect_refused(sim_bench({"--cold-threshold-ms", "nan"}), {"--cold-threshold-ms"});
  expect_refused({"run", "--sim", "--data", ".", "--timeout-total", "nan"}, {"--timeout-total"});
  expect_refused({"doctor", "--timeout-connect", "inf"}, {"--timeout-connect"});
  expect_refused(sim_bench({"--rate", "nan", "--requests", "2"}), {"--rate"});
  expect_refused(sim_bench({"--temperature", "nan"}), {"temperature: 'nan' is not a number"});
}

TEST(InputValidation, ARateWhoseNextArrivalLiesBeyondTheRunIsRefusedNotWaitedFor) {
  expect_refused(sim_bench({"--rate", "1e-9", "--requests", "2"}),
                 {"--rate 1e-09", "1-hour limit"});
  expect_refused(sim_bench({"--rate", "0.05", "--duration", "10"}),
                 {"--rate 0.05", "--duration 10 s", "at least 0.1 requests/s"});
}

TEST(InputValidation, SizesBeyondTheLimitAreRefusedWithTheLimit) {
  expect_refused(sim_bench({"--input-tokens", "1e12"}),
                 {"--input-tokens 1e12", "limit of 1048576 tokens"});
  expect_refused(sim_bench({"--output-tokens", "5000000"}), {"--output-tokens"});
  expect_refused(sim_bench({"--prefix-tokens", "-1"}), {"--prefix-tokens"});
  expect_refused(sim_bench({"--prefix-tokens", "2000000"}), {"--prefix-tokens"});
}

TEST(InputValidation, KnownServerOptionsAreCheckedUnknownOnesPassThrough) {
  expect_refused(sim_bench({"--num-ctx", "abc"}), {"num_ctx: 'abc' is not a whole number"});
  expect_refused(sim_bench({"--num-ctx", "-1024"}), {"num_ctx: -1024 is out of range"});
  expect_refused(sim_bench({"--option", "top_p=1.5"}), {"top_p: 1.5 is out of range"});
  expect_refused(sim_bench({"--temperature", "0.7,hot"}), {"temperature: 'hot' is not a number"});
  // A known option in range and an unknown one are sent as given.
  TempDir dir;
  auto ok = run_chimera(sim_bench(
      {"--num-ctx", "2048", "--option", "my_knob=abc", "--output", dir.path() + "/r.jsonl"}));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::ifstream in(dir.path() + "/r.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto options = nlohmann::json::parse(line)["options"];
  EXPECT_EQ(options["num_ctx"], 2048);
  EXPECT_EQ(options["my_knob"], "abc");
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> sim_run(const std::string& config, const std::string& out,
                                 const std::string& profile) {
  return {"--config",  config,         "run",       "--sim",        "--sim-config",
          fast_sim(),  "--data",       out,         "--output-dir", out + "/run",
          "--persona", "InsightAgent", "--profile", profile};
}

TEST(InputValidation, ConfigFileOptionsAreCheckedWithFileAndLine) {
  TempDir dir;
  const fs::path config = fs::path(dir.path()) / "bad.yaml";
  write(config, "profiles:\n  wide:\n    options:\n      num_ctx: -1024\n");
  auto r = run_chimera(sim_run(config.string(), dir.path(), "wide"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, config.string() + ":4:16: profile 'wide' options num_ctx: -1024 is "
                                                "out of range"))
      << r.err;
  write(config, "profiles:\n  hot:\n    options:\n      temperature: .nan\n");
  r = run_chimera(sim_run(config.string(), dir.path(), "hot"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, config.string() + ":4:20: profile 'hot' options temperature: "
                                                "'.nan' is not a number"))
      << r.err;
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "run"));
}

TEST(InputValidation, ProfileBasesResolveInAnyOrderAndACycleIsNamed) {
  TempDir dir;
  const fs::path config = fs::path(dir.path()) / "order.yaml";
  write(config,
        "profiles:\n"
        "  fast:\n"
        "    base: roomy\n"
        "    options: {temperature: 0.25}\n"
        "  roomy:\n"
        "    options: {num_ctx: 3072}\n");
  auto r = run_chimera(sim_run(config.string(), dir.path(), "fast"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(fs::path(dir.path()) / "run" / "requests.jsonl");
  std::size_t measured = 0;
  for (std::string line; std::getline(in, line);) {
    const auto request = nlohmann::json::parse(line);
    const auto& options = request.contains("options") ? request["options"] : request;
    if (!options.contains("num_ctx")) continue;
    ++measured;
    EXPECT_EQ(options["num_ctx"], 3072) << line;
    EXPECT_EQ(options["temperature"], 0.25) << line;
  }
  EXPECT_GT(measured, 0u) << "no request carried the profile's options";

  write(config,
        "profiles:\n"
        "  a: {base: b}\n"
        "  b: {base: a}\n");
  r = run_chimera(sim_run(config.string(), dir.path() + "/cycle", "a"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "profile bases form a cycle: a -> b -> a")) << r.err;
}

TEST(InputValidation, AnEmptyConfigFileIsRefusedAsDefiningNothing) {
  TempDir dir;
  const fs::path config = fs::path(dir.path()) / "empty.yaml";
  write(config, "# nothing yet\n");
  auto r = run_chimera(sim_run(config.string(), dir.path(), "baseline"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, config.string() + ": the config file defines nothing")) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "run"));
}

}  // namespace
}  // namespace chimera::testing
