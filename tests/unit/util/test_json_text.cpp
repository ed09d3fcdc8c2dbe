// append_json_string writes what dump_json would write for the same string:
// the two must stay interchangeable inside one document.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "chimera/util/json_text.hpp"

namespace chimera {
namespace {

std::string as_literal(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(AppendJsonString, MatchesDumpJsonForEveryByte) {
  for (int byte = 0; byte < 128; ++byte) {
    const std::string text = std::string("a") + static_cast<char>(byte) + "b";
    EXPECT_EQ(as_literal(text), dump_json(nlohmann::json(text))) << "byte " << byte;
  }
}

TEST(AppendJsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(as_literal("h\xC3\xA9llo \xE2\x82\xAC"), "\"h\xC3\xA9llo \xE2\x82\xAC\"");
  const std::string broken = "ok\xFF\xC3(";
  EXPECT_EQ(as_literal(broken), "\"ok\xEF\xBF\xBD\xEF\xBF\xBD(\"");
  EXPECT_EQ(nlohmann::json::parse(as_literal(broken)).get<std::string>(),
            "ok\xEF\xBF\xBD\xEF\xBF\xBD(");
}

TEST(AppendJsonString, RoundTripsThroughAParser) {
  const std::string text = "line 1\nline \"2\"\t\\ end\x01\x1f";
  EXPECT_EQ(nlohmann::json::parse(as_literal(text)).get<std::string>(), text);
  EXPECT_EQ(as_literal(""), "\"\"");
}

}  // namespace
}  // namespace chimera
