#include "support/run_files.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/process.hpp"

namespace chimera::testing {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string fixture(const std::string& name) {
  return source_dir() + "/tests/fixtures/" + name;
}

std::set<std::string> ids_in_jsonl(const std::filesystem::path& file) {
  std::set<std::string> ids;
  for (const auto& line : lines_of(slurp(file))) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    if (!j.is_discarded()) {
      EXPECT_TRUE(ids.insert(j.value("id", "")).second) << line;
    }
  }
  return ids;
}

std::set<std::string> bench_ids(int runs, int warmups) {
  std::set<std::string> ids;
  for (int i = 0; i < warmups; ++i) ids.insert("c1-w" + std::to_string(i));
  for (int i = 0; i < runs; ++i) ids.insert("c1-" + std::to_string(i));
  return ids;
}

long long sqlite_count(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  long long count = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return count;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace chimera::testing
