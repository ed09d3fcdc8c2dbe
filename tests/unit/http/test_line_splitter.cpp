#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chimera/http/line_splitter.hpp"

namespace chimera::http {
namespace {

std::vector<std::string> split_in_pieces(const std::string& input,
                                         const std::vector<std::size_t>& cuts) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  std::size_t from = 0;
  for (auto cut : cuts) {
    splitter.feed(std::string_view(input).substr(from, cut - from), collect);
    from = cut;
  }
  splitter.feed(std::string_view(input).substr(from), collect);
  splitter.finish(collect);
  return lines;
}

// A real Ollama stream with multi-byte UTF-8 ("é", "€", an emoji) and CRLF.
const std::string kStream =
    "{\"model\":\"m\",\"response\":\"caf\xC3\xA9\",\"done\":false}\n"
    "{\"model\":\"m\",\"response\":\" 5\xE2\x82\xAC \xF0\x9F\x98\x80\",\"done\":false}\r\n"
    "\n"
    "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"eval_count\":2}\n";

const std::vector<std::string> kExpected = {
    "{\"model\":\"m\",\"response\":\"caf\xC3\xA9\",\"done\":false}",
    "{\"model\":\"m\",\"response\":\" 5\xE2\x82\xAC \xF0\x9F\x98\x80\",\"done\":false}",
    "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"eval_count\":2}",
};

TEST(LineSplitter, WholeInputGivesEveryNonEmptyLine) {
  EXPECT_EQ(split_in_pieces(kStream, {}), kExpected);
}

TEST(LineSplitter, EverySingleSplitPositionGivesTheSameLines) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    EXPECT_EQ(split_in_pieces(kStream, {cut}), kExpected) << "cut at " << cut;
  }
}

TEST(LineSplitter, EveryPairOfSplitPositionsGivesTheSameLines) {
  for (std::size_t a = 0; a <= kStream.size(); a += 3) {
    for (std::size_t b = a; b <= kStream.size(); b += 5) {
      EXPECT_EQ(split_in_pieces(kStream, {a, b}), kExpected) << a << "," << b;
    }
  }
}

TEST(LineSplitter, OneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(split_in_pieces(kStream, cuts), kExpected);
}

TEST(LineSplitter, UnterminatedLastLineComesOutOnFinish) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed("{\"a\":1}\n{\"b\":", collect);
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_EQ(splitter.pending_bytes(), 5u);
  splitter.feed("2}", collect);
  splitter.finish(collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

}  // namespace
}  // namespace chimera::http
