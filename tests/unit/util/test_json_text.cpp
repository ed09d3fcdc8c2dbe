// append_json_string writes what dump_json would write for the same string:
// the two must stay interchangeable inside one document.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
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

std::string as_number(double value) {
  std::string out;
  append_json_number(out, value);
  return out;
}

TEST(AppendJsonNumber, WritesWhatDumpJsonWrites) {
  for (double v :
       {0.0, -0.0, 1.0, 16.0, -3.0, 0.1, 0.1 + 0.2, 6.8e-05, 2.3263e-05, 1.5e-300, 123456.789, 1e15,
        1e16, 1e21, 1.7976931348623157e308, -2.5e-12, 0.25856500000000004}) {
    EXPECT_EQ(nlohmann::json::parse(as_number(v)).get<double>(), v) << as_number(v);
    // The same double reads back; whole numbers stay floating point.
    EXPECT_TRUE(nlohmann::json::parse(as_number(v)).is_number_float()) << as_number(v);
  }
  EXPECT_EQ(as_number(16.0), dump_json(nlohmann::json(16.0)));
  EXPECT_EQ(as_number(0.1 + 0.2), dump_json(nlohmann::json(0.1 + 0.2)));
  EXPECT_EQ(as_number(6.8e-05), dump_json(nlohmann::json(6.8e-05)));
}

TEST(AppendJsonNumber, NonFiniteIsNull) {
  EXPECT_EQ(as_number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(as_number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(as_number(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonObjectWriter, WritesEveryValueTypeAndNestedObjects) {
  std::string out;
  JsonObjectWriter j(out);
  j.text("a", "x\"y\n\xff");
  j.boolean("b", true);
  j.integer("c", -9007199254740993);
  j.number("d", 2.5);
  j.json("e", nlohmann::json{{"k", {1, 2}}});
  j.null("f");
  j.numbers("g", {1.0, 0.5});
  j.numbers("h", {});
  j.optional("i", std::optional<double>{});
  j.optional("j", std::optional<std::int64_t>{7});
  j.optional("k", std::optional<std::string>{"s"});
  j.object("l");
  {
    JsonObjectWriter inner(out);
    inner.boolean("m", false);
    inner.close();
  }
  j.close();
  const auto parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed["a"], "x\"y\n\xef\xbf\xbd");
  EXPECT_EQ(parsed["b"], true);
  EXPECT_EQ(parsed["c"].get<std::int64_t>(), -9007199254740993);
  EXPECT_EQ(parsed["d"], 2.5);
  EXPECT_EQ(parsed["e"]["k"][1], 2);
  EXPECT_TRUE(parsed["f"].is_null());
  EXPECT_EQ(parsed["g"], nlohmann::json::array({1.0, 0.5}));
  EXPECT_TRUE(parsed["h"].is_array() && parsed["h"].empty());
  EXPECT_TRUE(parsed["i"].is_null());
  EXPECT_EQ(parsed["j"], 7);
  EXPECT_EQ(parsed["k"], "s");
  EXPECT_EQ(parsed["l"], nlohmann::json({{"m", false}}));
  // Keys given in sorted order come out as nlohmann writes the same object.
  EXPECT_EQ(out, dump_json(parsed));
}

TEST(JsonObjectWriter, EmptyObject) {
  std::string out;
  JsonObjectWriter j(out);
  j.close();
  EXPECT_EQ(out, "{}");
}

}  // namespace
}  // namespace chimera
