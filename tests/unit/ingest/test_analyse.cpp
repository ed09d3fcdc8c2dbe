#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/summary.hpp"
#include "support/process.hpp"

namespace chimera::ingest {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

const FileIssue* find_issue(const std::vector<FileIssue>& list, const std::string& file) {
  for (const auto& issue : list) {
    if (issue.source.file == file) return &issue;
  }
  return nullptr;
}

TEST(Analyse, CountsTypesDirectoriesAndEmptyFiles) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  write(root / "a/sweep.csv", "config_name,num_gpu,mean_tokens_s\ng40,40,90\ng60,60,95.5\n");
  write(root / "a/b/summary.json", R"({"models":[{"model":"m","prompt_count":5,"completed":0}]})");
  write(root / "notes.md", "# Notes\n");
  write(root / "log.txt", "hello");
  write(root / "empty.csv", "");
  const Analysis a = analyse({root});
  EXPECT_EQ(a.inventory.total_files, 5u);
  EXPECT_EQ(a.inventory.by_type.at("csv").files, 2u);
  EXPECT_EQ(a.inventory.by_type.at("json").files, 1u);
  EXPECT_EQ(a.inventory.by_type.at("md").files, 1u);
  EXPECT_EQ(a.inventory.by_type.at("other").files, 1u);
  EXPECT_EQ(a.inventory.by_directory.at("a").files, 1u);
  EXPECT_EQ(a.inventory.by_directory.at("a/b").files, 1u);
  EXPECT_EQ(a.inventory.by_directory.at(".").files, 3u);
  EXPECT_EQ(a.inventory.by_type.at("csv").latest_mtime_utc.size(), 20u);
  ASSERT_EQ(a.inventory.empty_files.size(), 1u);
  EXPECT_EQ(a.inventory.empty_files[0].file, "empty.csv");

  bool zero = false, best = false, empty_gap = false;
  for (const auto& gap : a.gaps) {
    if (gap.kind == "zero_completed") zero = gap.text.find("0 of 5 prompts") != std::string::npos;
    if (gap.kind == "empty_file") empty_gap = true;
  }
  for (const auto& fact : a.facts) {
    if (fact.kind == "best" && fact.source.column == "mean_tokens_s") {
      best = fact.text.find("95.50 tokens/s for config g60") != std::string::npos;
      EXPECT_EQ(fact.source.row, 2u);
    }
  }
  EXPECT_TRUE(zero);
  EXPECT_TRUE(best);
  EXPECT_TRUE(empty_gap);
  EXPECT_EQ(a.facts.front().kind, "inventory");
  EXPECT_FALSE(a.figures.find(95.5, 1e-6).empty());
}

TEST(Analyse, AbsentRootIsRecorded) {
  const Analysis a = analyse({"/nonexistent/chimera-artifacts"});
  ASSERT_EQ(a.inventory.roots.size(), 1u);
  EXPECT_FALSE(a.inventory.roots[0].exists);
  EXPECT_EQ(a.inventory.roots[0].message, "no such file or directory");
  EXPECT_FALSE(a.any_root_exists());
}

TEST(Analyse, BadInputIsRecordedAndTheWalkGoesOn) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  write(root / "binary.csv", std::string("a,b\n\x01\x02\0\0\xff,1\n", 12));
  write(root / "latin1.csv", "name,value\ncaf\xE9,1\n");
  write(root / "truncated.json", "{\"a\": [1, 2,\n");
  write(root / "unclosed.csv", "a,b\n1,\"oops\n2,3\n");
  write(root / "utf16.csv", std::string("\xFF\xFE"
                                        "a\0,\0b\0",
                                        8));
  write(root / "nan.json", "{\"mean_ttft_s\": NaN}");
  write(root / "good.csv", "x,y\n1,2\n");
  fs::create_directory_symlink(root, root / "loop");
  fs::create_symlink(root / "does-not-exist.csv", root / "dangling.csv");
  ASSERT_EQ(::mkfifo((root / "pipe.csv").c_str(), 0600), 0);

  const Analysis a = analyse({root});
  const Inventory& inv = a.inventory;
  const FileIssue* binary = find_issue(inv.parse_failures, "binary.csv");
  ASSERT_NE(binary, nullptr);
  EXPECT_NE(binary->reason.find("binary"), std::string::npos);
  EXPECT_EQ(binary->offset, 6u);

  const FileIssue* latin1 = find_issue(inv.warnings, "latin1.csv");
  ASSERT_NE(latin1, nullptr);
  EXPECT_NE(latin1->reason.find("invalid UTF-8"), std::string::npos);
  EXPECT_EQ(latin1->offset, 14u);

  const FileIssue* truncated = find_issue(inv.parse_failures, "truncated.json");
  ASSERT_NE(truncated, nullptr);
  EXPECT_EQ(truncated->source.line, 2u);

  const FileIssue* unclosed = find_issue(inv.parse_failures, "unclosed.csv");
  ASSERT_NE(unclosed, nullptr);
  EXPECT_EQ(unclosed->source.line, 2u);
  EXPECT_EQ(unclosed->offset, 6u);

  const FileIssue* utf16 = find_issue(inv.parse_failures, "utf16.csv");
  ASSERT_NE(utf16, nullptr);
  EXPECT_NE(utf16->reason.find("UTF-16LE"), std::string::npos);

  const FileIssue* nan = find_issue(inv.warnings, "nan.json");
  ASSERT_NE(nan, nullptr);
  EXPECT_EQ(nan->source.json_path, "$.mean_ttft_s");

  const FileIssue* loop = find_issue(inv.skipped, "loop");
  ASSERT_NE(loop, nullptr);
  EXPECT_NE(loop->reason.find("already visited"), std::string::npos);
  const FileIssue* dangling = find_issue(inv.skipped, "dangling.csv");
  ASSERT_NE(dangling, nullptr);
  EXPECT_NE(dangling->reason.find("dangling"), std::string::npos);
  const FileIssue* fifo = find_issue(inv.skipped, "pipe.csv");
  ASSERT_NE(fifo, nullptr);
  EXPECT_NE(fifo->reason.find("FIFO"), std::string::npos);

  // Every regular file is counted once, however it went.
  EXPECT_EQ(inv.total_files, 7u);
  EXPECT_EQ(inv.by_type.at("csv").files, 5u);
}

TEST(Analyse, FileDeletedMidWalkIsRecorded) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  write(root / "a.csv", "x\n1\n");
  write(root / "b.csv", "x\n2\n");
  IngestOptions options;
  options.on_file = [&](const fs::path& path) {
    if (path.filename() == "a.csv") fs::remove(root / "b.csv");
  };
  const Analysis a = analyse({root}, options);
  const FileIssue* gone = find_issue(a.inventory.skipped, "b.csv");
  ASSERT_NE(gone, nullptr);
  EXPECT_NE(gone->reason.find("vanished"), std::string::npos);
  EXPECT_EQ(a.inventory.total_files, 1u);
}

TEST(Analyse, PermissionDenied) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "running as root: chmod 000 does not stop root, so permission denied cannot "
                    "be provoked (FIFO and dangling-link paths are covered elsewhere)";
  }
  testing::TempDir dir;
  const fs::path root = dir.path();
  write(root / "secret.csv", "a\n1\n");
  fs::permissions(root / "secret.csv", fs::perms::none);
  const Analysis a = analyse({root});
  const FileIssue* denied = find_issue(a.inventory.skipped, "secret.csv");
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ(denied->reason, "permission denied");
}

TEST(Analyse, LargeCsvIsStreamedInBoundedMemory) {
  testing::TempDir dir;
  const fs::path path = fs::path(dir.path()) / "big.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "config_name,num_gpu,tokens_s,ttft_ms\n";
    std::string row;
    for (int i = 0; i < 400'000; ++i) {
      row =
          fmt::format("cfg{},{},{:.2f},{}\n", i % 97, i % 7, 50 + (i % 1000) * 0.01, 100 + i % 13);
      out << row;
    }
    out << "last,1,\"never closed\n";
    out << std::string(1 << 20, 'z');  // a 1 MiB tail inside the open quote
  }
  struct rusage before {};
  ::getrusage(RUSAGE_SELF, &before);
  IngestOptions options;
  options.limits.max_csv_row_bytes = 64 * 1024;
  options.limits.max_figures_per_file = 1000;
  const Analysis a = analyse({dir.path()}, options);
  struct rusage after {};
  ::getrusage(RUSAGE_SELF, &after);
  ASSERT_EQ(a.tables.size(), 1u);
  EXPECT_EQ(a.tables[0].rows, 400'000u);
  EXPECT_FALSE(a.tables[0].columns[2].numeric.p50_exact);  // beyond the kept values
  EXPECT_DOUBLE_EQ(a.tables[0].columns[2].numeric.max, 59.99);
  const FileIssue* unclosed = find_issue(a.inventory.parse_failures, "big.csv");
  ASSERT_NE(unclosed, nullptr);
  EXPECT_EQ(unclosed->source.line, 400'002u);
  EXPECT_GT(a.figures.dropped(), 0u);
  // The file is ~13 MB; peak RSS growth stays far below it plus the figure cap.
  // AddressSanitizer keeps freed memory in quarantine, so there RSS says
  // nothing about what the parser holds.
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 12 * 1024);  // KiB
#endif
}

TEST(DataSummary, FitsTheBudgetAndKeepsTheInventory) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  std::string csv = "config_name,num_gpu,num_ctx,mean_tokens_s,mean_ttft_s\n";
  for (int i = 0; i < 30; ++i) {
    csv += fmt::format("g{},{},2048,{:.2f},{:.2f}\n", i, i, 90 + i * 0.5, 0.1 + i * 0.01);
  }
  write(root / "sweep.csv", csv);
  write(root / "run/summary.json",
        R"({"models":[{"model":"m","prompt_count":5,"completed":0,"mean_tokens_s":null}]})");
  for (int i = 0; i < 40; ++i) {
    write(root / fmt::format("extra/r{}.json", i),
          fmt::format("{{\"latency_ms\": {}, \"duration_s\": 2}}", 10 + i));
  }
  const Analysis a = analyse({root});
  for (std::size_t budget : {40u, 150u, 256u, 1024u, 4096u}) {
    const std::string summary = data_summary(a, budget);
    EXPECT_LE(estimate_tokens(summary), budget) << budget;
    EXPECT_NE(summary.find("files"), std::string::npos) << budget;
  }
  const std::string small = data_summary(a, 150);
  EXPECT_NE(small.find("0 of 5 prompts completed"), std::string::npos) << small;
  EXPECT_NE(small.find("Best mean_tokens_s: 104.50 tokens/s for config g29"), std::string::npos)
      << small;
  EXPECT_GT(data_summary(a, 4096).size(), data_summary(a, 1024).size());

  const auto json = to_json(a);
  EXPECT_EQ(json["schema_version"], kAnalysisSchemaVersion);
  EXPECT_EQ(json["inventory"]["total_files"], 42);
  EXPECT_EQ(json["facts"].size(), a.facts.size());
}

}  // namespace
}  // namespace chimera::ingest

namespace chimera::ingest {
namespace {

TEST(Analyse, OutlineFactQuotesTheFirstHeadingsText) {
  testing::TempDir dir;
  const fs::path root = dir.path();
  write(root / "report.md", "intro\n\n## Results of `bench` run\n\ntext\n\n# Second\n");
  const Analysis a = analyse({root});
  const Fact* outline = nullptr;
  for (const auto& fact : a.facts) {
    if (fact.kind == "outline") outline = &fact;
  }
  ASSERT_NE(outline, nullptr);
  EXPECT_NE(outline->text.find("2 heading(s), first \"Results of bench run\""), std::string::npos)
      << outline->text;
  EXPECT_EQ(outline->source.line, 3u);
  ASSERT_EQ(a.headings.size(), 2u);
  EXPECT_EQ(a.headings[0].text, "Results of bench run");
}

}  // namespace
}  // namespace chimera::ingest
