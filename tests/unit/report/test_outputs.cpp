#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/report/outputs.hpp"
#include "report_fixtures.hpp"
#include "support/process.hpp"

namespace chimera::report {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OutputSpec, FormatFromExtensionOrPrefix) {
  EXPECT_EQ(parse_output_spec("out/results.md")->format, "md");
  EXPECT_EQ(parse_output_spec("r.CSV")->format, "csv");
  EXPECT_EQ(parse_output_spec("r.jsonl")->format, "jsonl");
  EXPECT_EQ(parse_output_spec("r.htm")->format, "html");
  const auto prefixed = parse_output_spec("json:results.out");
  EXPECT_EQ(prefixed->format, "json");
  EXPECT_EQ(prefixed->path, "results.out");
  EXPECT_EQ(parse_output_spec("markdown:x")->format, "md");
  auto unknown = parse_output_spec("results.xyz");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("cannot tell the format of 'results.xyz'"),
            std::string::npos);
  EXPECT_FALSE(parse_output_spec("json:"));
}

TEST(WriteOutputs, WritesEveryRequestedFormat) {
  testing::TempDir dir;
  const auto report = fixtures::two_configuration_report();
  const auto requests = fixtures::steady_requests(100, 20);
  RequestSource source = [&](const RequestSink& sink) -> Expected<void> {
    for (const auto& r : requests) sink(r);
    return {};
  };
  const auto& d = dir.path();
  auto ok = write_outputs(
      report, source,
      {d + "/r.md", d + "/r.csv", "json:" + d + "/r.out", d + "/r.jsonl", d + "/r.html"});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(nlohmann::json::parse(slurp(d + "/r.out"))["schema_version"], kSchemaVersion);
  EXPECT_TRUE(slurp(d + "/r.md").starts_with("# Chimera benchmark report"));
  EXPECT_TRUE(slurp(d + "/r.csv").starts_with("rank,configuration,"));
  EXPECT_TRUE(slurp(d + "/r.html").starts_with("<!DOCTYPE html>"));
  std::size_t jsonl_lines = 0;
  std::istringstream jsonl(slurp(d + "/r.jsonl"));
  for (std::string line; std::getline(jsonl, line);) ++jsonl_lines;
  EXPECT_EQ(jsonl_lines, requests.size());
  // No temporary files are left behind.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(d)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
    ++files;
  }
  EXPECT_EQ(files, 5u);

  // Rewriting (after the next configuration) replaces the file.
  auto smaller = report;
  smaller.configurations.pop_back();
  ASSERT_TRUE(write_outputs(smaller, source, {"json:" + d + "/r.out"}));
  EXPECT_EQ(nlohmann::json::parse(slurp(d + "/r.out"))["configurations"].size(), 1u);
}

TEST(WriteOutputs, UnwritablePathGivesAClearMessage) {
  const auto report = fixtures::two_configuration_report();
  auto r = write_outputs(report, {}, {"/nonexistent-directory/for/sure/results.md"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind(
                "Could not create export file '/nonexistent-directory/for/sure/results.md': ", 0),
            0u)
      << r.error().message;
  EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos);

  testing::TempDir dir;
  auto into_dir = write_file_atomically(dir.path(), "x");
  ASSERT_FALSE(into_dir);
  EXPECT_NE(into_dir.error().message.find("it is a directory"), std::string::npos);
}

TEST(WriteOutputs, JsonlWithoutRawRequestsNamesTheFile) {
  testing::TempDir dir;
  auto r = write_outputs(fixtures::two_configuration_report(), {}, {dir.path() + "/r.jsonl"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Could not create export file"), std::string::npos);
  EXPECT_NE(r.error().message.find("raw requests"), std::string::npos);
}

}  // namespace
}  // namespace chimera::report
