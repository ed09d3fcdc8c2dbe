// The artifact walk stays inside the roots it is given, with real symbolic
// links: one to `/`, one to an outside folder holding a secret, one to the
// kernel's /proc, and one to a folder inside the tree (followed). The secret
// must appear in no output, no file of the run and not in its store.
// `--follow-symlinks` opts in to leaving the roots, never into /proc.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

const std::string kSecret = "SECRET-TOKEN-12345";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// <tmp>/outside/creds.csv holds the secret. <tmp>/tree/reports/ holds a real
// CSV and links to /, to the outside folder, to /proc and to the sibling
// <tmp>/tree/kept_elsewhere/ (inside only when that folder is a root too).
struct Tree {
  TempDir tmp;
  fs::path root = fs::path(tmp.path()) / "tree";
  fs::path outside = fs::path(tmp.path()) / "outside";

  Tree() {
    write(outside / "creds.csv", "user,token\nadmin," + kSecret + "\n");
    write(root / "reports" / "bench.csv", "model,tokens_per_second\ngemma3,101.5\nllama3,87.25\n");
    write(root / "kept_elsewhere" / "inner.csv", "config,ttft_ms\na,128\nb,140\n");
    fs::create_directory_symlink("/", root / "reports" / "to_root");
    fs::create_directory_symlink(outside, root / "reports" / "to_outside");
    fs::create_directory_symlink("/proc/self", root / "reports" / "to_proc");
    fs::create_directory_symlink("../kept_elsewhere", root / "reports" / "to_inside");
  }
};

nlohmann::json skipped_entry(const nlohmann::json& inventory, const std::string& file) {
  for (const auto& item : inventory["skipped"]) {
    if (item.value("file", "") == file) return item;
  }
  return nullptr;
}

TEST(PathsOutOfTheTree, InventoryNeverLeavesTheRootsAndListsEveryLinkItSkipped) {
  Tree tree;
  const auto start = std::chrono::steady_clock::now();
  auto r = run_chimera({"--json", "inventory", (tree.root / "reports").string()}, {},
                       std::chrono::seconds(60));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.out + r.err, kSecret));
  EXPECT_LT(seconds, 20.0) << "the walk went somewhere large";
  const auto j = nlohmann::json::parse(r.out);
  const auto& inv = j["inventory"];
  // bench.csv alone: the root is reports/, so kept_elsewhere/ is outside it too.
  EXPECT_EQ(inv["total_files"], 1) << inv.dump(1);
  EXPECT_EQ(inv["links_not_followed"], 4) << inv.dump(1);
  const auto to_root = skipped_entry(inv, "to_root");
  ASSERT_TRUE(to_root.is_object()) << inv["skipped"].dump(1);
  EXPECT_EQ(to_root["link_target"], "/");
  EXPECT_TRUE(contains(to_root["reason"], "outside the artifact roots; not followed"));
  const auto to_outside = skipped_entry(inv, "to_outside");
  ASSERT_TRUE(to_outside.is_object());
  EXPECT_EQ(to_outside["link_target"], fs::canonical(tree.outside).string());
  const auto to_proc = skipped_entry(inv, "to_proc");
  ASSERT_TRUE(to_proc.is_object());
  EXPECT_TRUE(contains(to_proc["reason"], "in /proc, a kernel pseudo-filesystem; never followed"))
      << to_proc.dump();
  // The console names each link with its reason.
  for (const char* link : {"to_root", "to_outside", "to_proc", "to_inside"}) {
    EXPECT_TRUE(contains(r.err, std::string("reports/") + link + ": symbolic link to "))
        << link << "\n"
        << r.err;
  }
}

TEST(PathsOutOfTheTree, ALinkToAFolderInsideTheRootsIsFollowed) {
  Tree tree;
  // Two roots: a link from reports/ into kept_elsewhere/ stays inside them.
  auto r = run_chimera({"--json", "inventory", (tree.root / "reports").string(),
                        (tree.root / "kept_elsewhere").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.out + r.err, kSecret));
  const auto inv = nlohmann::json::parse(r.out)["inventory"];
  // bench.csv, inner.csv through the link, inner.csv in its own root.
  EXPECT_EQ(inv["total_files"], 3) << inv.dump(1);
  EXPECT_TRUE(skipped_entry(inv, "to_inside").is_null()) << inv["skipped"].dump(1);
  EXPECT_EQ(inv["links_not_followed"], 3);
  EXPECT_TRUE(contains(r.out, "to_inside/inner.csv")) << r.out;
}

TEST(PathsOutOfTheTree, FollowSymlinksOptsInToLeavingTheRootsButNeverIntoProc) {
  Tree tree;
  fs::remove(tree.root / "reports" / "to_root");  // following it would walk the whole machine
  auto r =
      run_chimera({"--json", "inventory", "--follow-symlinks", (tree.root / "reports").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto inv = nlohmann::json::parse(r.out)["inventory"];
  // bench.csv, creds.csv through to_outside, inner.csv through to_inside.
  EXPECT_EQ(inv["total_files"], 3) << inv.dump(1);
  EXPECT_TRUE(skipped_entry(inv, "to_outside").is_null());
  EXPECT_EQ(inv["links_not_followed"], 1);
  EXPECT_TRUE(skipped_entry(inv, "to_proc").is_object());
  EXPECT_TRUE(contains(r.out, kSecret)) << "the opt-in did not follow the link";
}

TEST(PathsOutOfTheTree, ARunReadsNothingOutsideAndSaysWhichLinksItSkipped) {
  Tree tree;
  TempDir out_dir;
  const fs::path out = fs::path(out_dir.path()) / "run";
  auto r =
      run_chimera({"run", "--sim", "--sim-config", source_dir() + "/tests/fixtures/sim-fast.yaml",
                   "--data", (tree.root / "reports").string(), "--persona", "InsightAgent",
                   "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_FALSE(contains(r.out + r.err, kSecret));
  EXPECT_TRUE(contains(r.err, "reports/to_outside: symbolic link to")) << r.err;
  EXPECT_TRUE(contains(r.err, "reports/to_root: symbolic link to /, outside")) << r.err;
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_FALSE(contains(slurp(entry.path()), kSecret)) << entry.path();
  }
  EXPECT_GT(files, 3u);
  EXPECT_TRUE(fs::exists(out / "results.sqlite"));
}

TEST(PathsOutOfTheTree, AFileGivenAsTheArtifactsIsAnalysed) {
  Tree tree;
  const std::string file = (tree.root / "reports" / "bench.csv").string();
  auto inventory = run_chimera({"--json", "inventory", file});
  ASSERT_EQ(inventory.exit_code, 0) << inventory.err;
  const auto inv = nlohmann::json::parse(inventory.out)["inventory"];
  EXPECT_EQ(inv["total_files"], 1);
  EXPECT_TRUE(contains(inventory.out, "101.5")) << inventory.out;

  TempDir out_dir;
  const fs::path out = fs::path(out_dir.path()) / "run";
  auto run =
      run_chimera({"run", "--sim", "--sim-config", source_dir() + "/tests/fixtures/sim-fast.yaml",
                   "--artifacts", file, "--persona", "InsightAgent", "--output-dir", out.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(contains(run.err, "does not exist")) << run.err;
  // The store's inventory (the database file or its write-ahead log) names the file.
  std::string stored;
  for (const auto& entry : fs::directory_iterator(out)) {
    if (entry.path().filename().string().starts_with("results.sqlite")) stored += slurp(entry);
  }
  EXPECT_TRUE(contains(stored, "bench.csv"));

  auto missing = run_chimera({"run", "--sim", "--artifacts", file + ".gone", "--output-dir",
                              (fs::path(out_dir.path()) / "other").string()});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_TRUE(contains(missing.err, "--artifacts '" + file + ".gone' does not exist"))
      << missing.err;
}

}  // namespace
}  // namespace chimera::testing
