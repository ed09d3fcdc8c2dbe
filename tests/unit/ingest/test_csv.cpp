#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chimera/ingest/csv.hpp"

namespace chimera::ingest {
namespace {

struct Parsed {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;
  std::optional<CsvError> error;
  std::size_t stray_quotes = 0;
};

Parsed parse(std::string_view text, std::size_t chunk = 0, std::size_t max_row = 4u << 20) {
  Parsed out;
  CsvParser parser(
      [&](const std::vector<std::string_view>& fields, std::size_t line) {
        out.rows.emplace_back(fields.begin(), fields.end());
        out.lines.push_back(line);
      },
      max_row);
  if (chunk == 0) {
    parser.feed(text);
  } else {
    for (std::size_t i = 0; i < text.size(); i += chunk) parser.feed(text.substr(i, chunk));
  }
  parser.finish();
  out.error = parser.error();
  out.stray_quotes = parser.stray_quotes();
  return out;
}

TEST(Csv, QuotesEscapesEmbeddedNewlinesAndCrlf) {
  const std::string text =
      "\xEF\xBB\xBFname,note,value\r\n"
      "a,\"hello, world\",1\r\n"
      "b,\"say \"\"hi\"\"\",2\r\n"
      "c,\"two\nlines\",3\r\n"
      "d,,4";
  const Parsed p = parse(text);
  ASSERT_FALSE(p.error);
  ASSERT_EQ(p.rows.size(), 5u);
  EXPECT_EQ(p.rows[0][0], "name");  // BOM removed
  EXPECT_EQ(p.rows[1][1], "hello, world");
  EXPECT_EQ(p.rows[2][1], "say \"hi\"");
  EXPECT_EQ(p.rows[3][1], "two\nlines");
  EXPECT_EQ(p.rows[4], (std::vector<std::string>{"d", "", "4"}));
  EXPECT_EQ(p.lines, (std::vector<std::size_t>{1, 2, 3, 4, 6}));
}

TEST(Csv, ChunkBoundariesDoNotChangeTheResult) {
  const std::string text = "a,b\n\"x\"\"y\",\"1\r\n2\"\r\nplain,\"q\"\n\nlast,row";
  const Parsed whole = parse(text);
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u}) {
    const Parsed pieces = parse(text, chunk);
    EXPECT_EQ(pieces.rows, whole.rows) << "chunk " << chunk;
    EXPECT_EQ(pieces.lines, whole.lines) << "chunk " << chunk;
  }
  ASSERT_EQ(whole.rows.size(), 4u);  // the blank line is not a record
  EXPECT_EQ(whole.rows[1][0], "x\"y");
  EXPECT_EQ(whole.rows[1][1], "1\r\n2");
}

TEST(Csv, UnclosedQuoteIsReportedWithLineAndOffset) {
  const std::string text = "a,b\n1,2\n3,\"never closed\n4,5\n";
  const Parsed p = parse(text);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->line, 3u);
  EXPECT_EQ(p.error->offset, text.find('"'));
  EXPECT_NE(p.error->reason.find("never closed"), std::string::npos);
  EXPECT_EQ(p.rows.size(), 2u);  // the rows before it are kept
}

TEST(Csv, UnclosedQuoteInAHugeFileStopsAtTheRowLimit) {
  // Memory must not grow with the file: the open field is abandoned at the limit.
  std::string text = "a,b\n1,\"open";
  Parsed out;
  CsvParser parser([&](const std::vector<std::string_view>&, std::size_t) {}, 1024);
  parser.feed(text);
  const std::string filler(4096, 'x');
  for (int i = 0; i < 100; ++i) parser.feed(filler);
  parser.finish();
  ASSERT_TRUE(parser.error());
  EXPECT_EQ(parser.error()->line, 2u);
  EXPECT_EQ(parser.error()->offset, 6u);
  EXPECT_NE(parser.error()->reason.find("never closed"), std::string::npos);
}

TEST(Csv, StrayQuotesAreToleratedAndCounted) {
  const Parsed p = parse("a,b\n5\"x,\"y\"z\n");
  ASSERT_FALSE(p.error);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[1][0], "5\"x");
  EXPECT_EQ(p.rows[1][1], "yz");
  EXPECT_EQ(p.stray_quotes, 2u);
}

TEST(Csv, RaggedRowsComeOutAsTheyAre) {
  const Parsed p = parse("a,b,c\n1,2\n1,2,3,4\n");
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[1].size(), 2u);
  EXPECT_EQ(p.rows[2].size(), 4u);
}

}  // namespace
}  // namespace chimera::ingest
