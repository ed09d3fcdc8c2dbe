#pragma once
// Reading what a chimera process left behind, for tests: whole files, their
// lines, the request ids of a JSONL export, counts from a SQLite store, and
// waiting for a condition with a limit.

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace chimera::testing {

// The whole file ("" when it cannot be read).
std::string slurp(const std::filesystem::path& path);
std::vector<std::string> lines_of(const std::string& text);
// tests/fixtures/NAME in the source tree.
std::string fixture(const std::string& name);

// The "id" of every line of a JSONL export; a line that is not JSON, or an id
// seen twice, fails the calling test.
std::set<std::string> ids_in_jsonl(const std::filesystem::path& file);
// The ids a one-configuration bench gives its requests: c1-w0 ...
// c1-w(warmups-1) for the warm-ups, c1-0 ... c1-(runs-1) for the measured ones.
std::set<std::string> bench_ids(int runs, int warmups);

// The first column of the first row of `sql` on a SQLite file opened
// read-only; -1 when it cannot be read.
long long sqlite_count(const std::filesystem::path& file, const std::string& sql);

// Polls `done` every 20 ms until it holds (true) or `limit` passed (false).
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit);

}  // namespace chimera::testing
