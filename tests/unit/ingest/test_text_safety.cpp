// Any bytes in, valid UTF-8 out: files with invalid sequences, JSON escapes
// that decode to characters cut by excerpts, `\u0000`, and file names that are
// not UTF-8 go through ingest and every rendering of it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/summary.hpp"
#include "chimera/report/inventory.hpp"
#include "chimera/util/utf8.hpp"
#include "support/process.hpp"

namespace chimera::ingest {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Every output must be valid UTF-8 and dump as strict JSON (the default
// error handler throws on a broken character).
void expect_outputs_valid(const Analysis& a) {
  std::string json;
  ASSERT_NO_THROW(json = to_json(a).dump(2))
      << to_json(a).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  EXPECT_TRUE(util::is_valid_utf8(json));
  EXPECT_TRUE(nlohmann::json::accept(json));
  const std::string markdown = report::render_inventory_markdown(a);
  EXPECT_TRUE(util::is_valid_utf8(markdown));
  EXPECT_EQ(markdown.find('\0'), std::string::npos);
  for (std::size_t budget : {100u, 400u, 4000u}) {
    const std::string summary = data_summary(a, budget);
    EXPECT_TRUE(util::is_valid_utf8(summary)) << budget;
    EXPECT_EQ(summary.find('\0'), std::string::npos);
  }
}

TEST(TextSafety, Latin1CsvIsReadWithOneWarningNamingTheOffset) {
  testing::TempDir dir;
  write(fs::path(dir.path()) / "x.csv", "m,t\ncaf\xE9,1\ncr\xE8me,2\n");
  const Analysis a = analyse({dir.path()});
  ASSERT_EQ(a.inventory.warnings.size(), 1u);
  const auto& w = a.inventory.warnings.front();
  EXPECT_EQ(w.source.file, "x.csv");
  EXPECT_TRUE(w.has_offset);
  EXPECT_EQ(w.offset, 7u);
  EXPECT_NE(w.reason.find("U+FFFD"), std::string::npos) << w.reason;
  EXPECT_NE(w.reason.find("byte 7"), std::string::npos) << w.reason;
  expect_outputs_valid(a);
  EXPECT_NE(to_json(a).dump().find("caf\xEF\xBF\xBD"), std::string::npos);
}

TEST(TextSafety, EmojiEscapesInJsonSurviveEveryCut) {
  testing::TempDir dir;
  std::string rows;
  for (int k = 0; k < 6; ++k) {
    std::string name(static_cast<std::size_t>(k), 'a');
    for (int i = 0; i < 80; ++i) name += "\\ud83d\\udc8e";
    rows += std::string(k ? "," : "") + R"({"name":")" + name + R"(","error":")" + name +
            R"(","eval_count":0,"tokens_per_s":)" + std::to_string(10 + k) + "}";
  }
  write(fs::path(dir.path()) / "r.json", R"({"results":[)" + rows + "]}");
  write(fs::path(dir.path()) / "r.jsonl", "");
  const Analysis a = analyse({dir.path()});
  EXPECT_TRUE(a.inventory.parse_failures.empty());
  expect_outputs_valid(a);
}

TEST(TextSafety, NulEscapeInJsonNeverReachesMarkdownAsARawNul) {
  testing::TempDir dir;
  write(fs::path(dir.path()) / "n.json",
        R"({"runs":[{"model":"a\u0000b","tokens_per_s":5},{"model":"c","tokens_per_s":6}]})");
  write(fs::path(dir.path()) / "n.jsonl", "{\"model\":\"x\\u0000y\",\"ttft_ms\":3}\n");
  const Analysis a = analyse({dir.path()});
  EXPECT_TRUE(a.inventory.parse_failures.empty());
  expect_outputs_valid(a);
  const std::string json = to_json(a).dump();
  EXPECT_EQ(json.find("\\u0000"), std::string::npos);
}

TEST(TextSafety, FileNameWithByteFfIsShownEscaped) {
  testing::TempDir dir;
  write(fs::path(dir.path()) / "n\xFF.csv", "a,b\n1,2\n");
  const Analysis a = analyse({dir.path()});
  EXPECT_EQ(a.inventory.total_files, 1u);
  expect_outputs_valid(a);
  EXPECT_NE(to_json(a).dump().find("n\\\\xFF.csv"), std::string::npos) << to_json(a).dump();
}

// The property: random bytes in every format never break an output.
TEST(TextSafety, PropertyRandomBytesInEveryFormatGiveValidOutputs) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(1, 255);  // NUL makes a file binary: tested elsewhere
  std::uniform_int_distribution<int> pick(0, 9);
  const std::vector<std::string> pieces = {"\xE9", "\xF0\x9F\x92", "\xF0\x9F\x92\x8E", ",",
                                           "\n",   "\"",           "\\ud83d\\udc8e",   "\\u0000",
                                           "{",    "1.5"};
  const std::string json_tail = "\",\"tokens_per_s\":3}";
  for (int round = 0; round < 40; ++round) {
    testing::TempDir dir;
    for (const char* ext : {".csv", ".json", ".jsonl", ".md"}) {
      std::string content = std::string(ext) == ".json" ? "{\"k\":\"" : "name,tokens_per_s\n";
      for (int i = 0; i < 300; ++i) {
        if (pick(rng) < 4) {
          content += pieces[static_cast<std::size_t>(pick(rng))];
        } else {
          content += static_cast<char>(byte(rng));
        }
      }
      if (std::string(ext) == ".json") content.append(json_tail);
      std::string name = std::to_string(round);
      name.insert(name.begin(), 'f');
      name += static_cast<char>(0x80 + round);  // never valid on its own
      write(fs::path(dir.path()) / (name + ext), content);
    }
    const Analysis a = analyse({dir.path()});
    expect_outputs_valid(a);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace chimera::ingest
