#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chimera/http/sse_parser.hpp"

namespace chimera::http {
namespace {

struct Seen {
  std::string type, data, id;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> parse_in_pieces(const std::string& input, const std::vector<std::size_t>& cuts) {
  SseParser parser;
  std::vector<Seen> events;
  auto collect = [&](const SseEvent& e) {
    events.push_back({std::string(e.type), std::string(e.data), std::string(e.id)});
  };
  std::size_t from = 0;
  for (auto cut : cuts) {
    parser.feed(std::string_view(input).substr(from, cut - from), collect);
    from = cut;
  }
  parser.feed(std::string_view(input).substr(from), collect);
  parser.finish(collect);
  return events;
}

// What vLLM / llama-server send, plus the rarer parts of the format: a
// comment, multi-line data, an event name, an id, CRLF and a lone CR.
const std::string kStream =
    ": keep-alive\r\n"
    "\r\n"
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\r\n"
    "\r\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}}]}\n"
    "\n"
    "event: note\n"
    "id: 7\n"
    "data: first line\n"
    "data:second line\n"
    "\n"
    "data: lone cr\r\r"
    "retry: 1000\n"
    "data: [DONE]\n"
    "\n";

const std::vector<Seen> kExpected = {
    {"message", "{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}", ""},
    {"message", "{\"choices\":[{\"delta\":{\"content\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}}]}", ""},
    {"note", "first line\nsecond line", "7"},
    {"message", "lone cr", "7"},
    {"message", "[DONE]", "7"},
};

TEST(SseParser, WholeInput) {
  EXPECT_EQ(parse_in_pieces(kStream, {}), kExpected);
}

TEST(SseParser, EverySingleSplitPositionGivesTheSameEvents) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    EXPECT_EQ(parse_in_pieces(kStream, {cut}), kExpected) << "cut at " << cut;
  }
}

TEST(SseParser, OneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(parse_in_pieces(kStream, cuts), kExpected);
}

TEST(SseParser, CrAtTheEndOfAChunkFollowedByLfIsOneLineEnd) {
  // "\r" | "\n" across chunks must not produce an extra blank line, which
  // would dispatch the event before its second data line.
  const std::string input = "data: a\r\ndata: b\r\n\r\n";
  EXPECT_EQ(parse_in_pieces(input, {8}), (std::vector<Seen>{{"message", "a\nb", ""}}));
}

TEST(SseParser, EventWithoutTrailingBlankLineIsDropped) {
  EXPECT_TRUE(parse_in_pieces("data: unfinished\n", {}).empty());
}

TEST(SseParser, CommentsAndFieldsWithoutDataDispatchNothing) {
  EXPECT_TRUE(parse_in_pieces(": ping\n\nevent: x\n\n", {}).empty());
}

}  // namespace
}  // namespace chimera::http
