// A full disk, with real processes: `chimera bench` whose SQLite store fills
// its file system still prints its result and writes its exports (on a
// healthy disk), says why the store failed and how many requests it lacks,
// and exits non-zero; `chimera run` leaves whole JSONL lines and no
// temporary files; `inventory -o` leaves no partial file; a failed --output
// export exits non-zero. The full file system is a small tmpfs where the
// test may mount one (root with CAP_SYS_ADMIN), and RLIMIT_FSIZE on the
// child everywhere (a write past the limit fails with EFBIG, as a full disk
// fails with ENOSPC).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/run_files.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string fast_sim() {
  return source_dir() + "/tests/fixtures/sim-fast.yaml";
}

// A tmpfs of `size` mounted on a fresh directory, unmounted when destroyed;
// mounted() is false where the test may not mount one.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size) : path_(fs::path(dir_.path()) / "mnt") {
    fs::create_directories(path_);
    const std::string options = "size=" + size + ",mode=0777";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const fs::path& path() const { return path_; }

 private:
  TempDir dir_;
  fs::path path_;
  bool mounted_ = false;
};

struct Finished {
  int code = -1;
  std::string out, err;
};

// Runs `chimera ARGS` to its end (at most two minutes) with its output in
// files; `limit`: RLIMIT_FSIZE in bytes for it, with SIGXFSZ ignored (kept
// across exec), so a write past it fails with EFBIG.
Finished run_to_end(const std::vector<std::string>& args, std::optional<std::size_t> limit = {}) {
  TempDir logs;
  const std::string out = logs.path() + "/out", err = logs.path() + "/err";
  std::vector<std::string> storage{chimera_binary()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(126);
    if (limit) {
      signal(SIGXFSZ, SIG_IGN);
      const rlimit l{*limit, *limit};
      if (setrlimit(RLIMIT_FSIZE, &l) != 0) _exit(125);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  Finished f;
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  f.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  f.out = slurp(out);
  f.err = slurp(err);
  return f;
}

// "N request(s) are not stored" in the command's message.
std::optional<long long> stated_unstored(const std::string& err) {
  static const std::regex count(R"((\d+) request\(s\) are not stored)");
  std::smatch m;
  if (!std::regex_search(err, m, count)) return std::nullopt;
  return std::stoll(m[1].str());
}

// What every full-store bench must show: the result printed, the JSON
// export counting every measured request, the failure and its count said,
// the stored rows and the stated count adding up to every request, and the
// run not complete.
void expect_store_failure_handled(const Finished& r, const fs::path& store, const fs::path& json,
                                  int runs, const std::string& reason) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(store.string()), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("gemma3:latest"), std::string::npos) << "no console result:\n" << r.out;
  const auto report = nlohmann::json::parse(slurp(json), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << json;
  const auto& counts = report["configurations"][0]["counts"];
  EXPECT_EQ(counts["total"].get<int>() - counts["warmup"].get<int>(), runs);
  EXPECT_EQ(counts["ok"].get<int>(), runs);
  const auto unstored = stated_unstored(r.err);
  ASSERT_TRUE(unstored.has_value()) << r.err;
  EXPECT_GT(*unstored, 0);
  const auto stored = sqlite_count(store, "SELECT COUNT(*) FROM requests");
  ASSERT_GE(stored, 0) << "the store cannot be read";
  // Warm-ups are stored too: at --concurrency 4, four of them (W = min(c, runs)).
  EXPECT_EQ(counts["warmup"].get<int>(), 4);
  EXPECT_EQ(stored + *unstored, runs + 4) << "stored " << stored << ", stated " << *unstored;
  EXPECT_EQ(sqlite_count(store, "SELECT COUNT(*) FROM runs WHERE status = 'complete'"), 0);
}

TEST(FullDisk, BenchStoreOnAFullTmpfsKeepsEveryRequestInTheExports) {
  SmallTmpfs full("384k");
  if (!full.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here; the RLIMIT_FSIZE test covers it";
  TempDir healthy;
  const fs::path store = full.path() / "results.sqlite";
  const fs::path json = fs::path(healthy.path()) / "b.json";
  const fs::path jsonl = fs::path(healthy.path()) / "b.jsonl";
  constexpr int kRuns = 600;
  const auto r =
      run_to_end({"bench", "--sim", "--sim-config", fast_sim(), "--runs", std::to_string(kRuns),
                  "--concurrency", "4", "--num-predict", "20", "--store", store.string(),
                  "--output", json.string(), "--output", jsonl.string()});
  expect_store_failure_handled(r, store, json, kRuns, "disk full (No space left on device)");
  // Every request is in the JSONL export exactly once: the stored ones read
  // back from the store, the others kept in memory.
  EXPECT_EQ(ids_in_jsonl(jsonl), bench_ids(kRuns, 4));
}

TEST(FullDisk, BenchStoreOverAFileSizeLimitStillWritesTheResult) {
  TempDir dir;
  const fs::path store = fs::path(dir.path()) / "results.sqlite";
  const fs::path json = fs::path(dir.path()) / "b.json";
  constexpr int kRuns = 400;
  // The limit holds every file of the process: the JSON export (a few kB)
  // fits, the store's write-ahead log (a page per changed page per commit)
  // does not.
  const auto r = run_to_end({"bench", "--sim", "--sim-config", fast_sim(), "--runs",
                             std::to_string(kRuns), "--concurrency", "4", "--num-predict", "20",
                             "--store", store.string(), "--output", json.string()},
                            std::size_t{256} * 1024);
  expect_store_failure_handled(r, store, json, kRuns, "file size limit reached (File too large)");
}

TEST(FullDisk, RunAppendsWholeJsonlRecordsAndLeavesNoTemporaryFiles) {
  TempDir dir;
  const fs::path out = fs::path(dir.path()) / "out";
  // Small enough that requests.jsonl or a report passes it during the run.
  const auto r = run_to_end(
      {"run", "--sim", "--sim-config", fast_sim(), "--artifacts", example_artifacts_dir(),
       "--output-dir", out.string(), "--runs", "3", "--store", ":memory:"},
      std::size_t{6} * 1024);
  EXPECT_NE(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("file size limit reached (File too large)"), std::string::npos) << r.err;
  const auto requests = slurp(out / "requests.jsonl");
  if (!requests.empty()) {
    EXPECT_EQ(requests.back(), '\n') << "requests.jsonl ends mid-record";
    for (const auto& line : lines_of(requests)) {
      EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
    }
  }
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    const auto name = entry.path().filename().string();
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "left behind: " << entry.path();
  }
}

TEST(FullDisk, RunOnAFullTmpfsLeavesWholeJsonlRecords) {
  SmallTmpfs full("64k");
  if (!full.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here; the RLIMIT_FSIZE test covers it";
  const fs::path out = full.path() / "out";
  const auto r = run_to_end({"run", "--sim", "--sim-config", fast_sim(), "--artifacts",
                             example_artifacts_dir(), "--output-dir", out.string(), "--runs", "5",
                             "--store", ":memory:"});
  EXPECT_NE(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("disk full (No space left on device)"), std::string::npos) << r.err;
  const auto requests = slurp(out / "requests.jsonl");
  if (!requests.empty()) {
    EXPECT_EQ(requests.back(), '\n') << "requests.jsonl ends mid-record";
    for (const auto& line : lines_of(requests)) {
      EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
    }
  }
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    const auto name = entry.path().filename().string();
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "left behind: " << entry.path();
  }
}

TEST(FullDisk, InventoryOutputLeavesNoPartialFile) {
  TempDir dir;
  const fs::path target = fs::path(dir.path()) / "inventory.md";
  const auto r =
      run_to_end({"inventory", example_artifacts_dir(), "-o", target.string()}, std::size_t{512});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("file size limit reached (File too large)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(target.string()), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir.path())) << "a partial or temporary file was left";
}

TEST(FullDisk, AFailedOutputExportExitsNonZeroAndWritesTheOthers) {
  TempDir dir;
  const fs::path missing = fs::path(dir.path()) / "no-such-dir" / "b.json";
  const fs::path good = fs::path(dir.path()) / "b.md";
  const auto r =
      run_to_end({"bench", "--sim", "--sim-config", fast_sim(), "--runs", "3", "--no-store",
                  "--output", missing.string(), "--output", good.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find(missing.string()), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(good)) << "one failed export stopped the others";
  EXPECT_NE(r.out.find("gemma3:latest"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace chimera::testing
