#include <gtest/gtest.h>

#include <random>

#include "chimera/util/redact.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::util {
namespace {

using namespace std::string_literals;
const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsUntouched) {
  const std::string text = "caf\xC3\xA9 \xF0\x9F\x92\x8E \xE2\x82\xAC ascii";
  EXPECT_TRUE(is_valid_utf8(text));
  EXPECT_EQ(sanitize_utf8(text), text);
}

TEST(Utf8, InvalidSequencesBecomeOneReplacementEach) {
  std::uint64_t first = 0;
  EXPECT_EQ(sanitize_utf8("caf\xE9,1", first), "caf" + kFffd + ",1");
  EXPECT_EQ(first, 3u);
  // A truncated 3-byte sequence is one maximal subpart: one U+FFFD.
  EXPECT_EQ(sanitize_utf8("a\xE2\x82z"), "a" + kFffd + "z");
  // Overlong, surrogate and out-of-range forms: each byte stands alone.
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xFF"), kFffd);
  EXPECT_EQ(sanitize_utf8("x\xF0\x9F\x92"), "x" + kFffd);
  sanitize_utf8("clean", first);
  EXPECT_EQ(first, kNoOffset);
}

TEST(Utf8, StreamingSanitizerAgreesWithWholeTextAtEverySplit) {
  const std::string text = "a\xF0\x9F\x92\x8E\xE9z\xE2\x82\xAC\xF0\x9F";
  const std::string whole = sanitize_utf8(text);
  for (std::size_t split = 0; split <= text.size(); ++split) {
    Utf8Sanitizer s;
    std::string out(s.feed(text.substr(0, split)));
    out += s.feed(text.substr(split));
    out += s.finish();
    EXPECT_EQ(out, whole) << "split at " << split;
    EXPECT_EQ(s.first_invalid_offset(), 5u) << "split at " << split;
  }
}

TEST(Utf8, CutsLandOnCodePointBoundaries) {
  const std::string gem = "\xF0\x9F\x92\x8E";
  const std::string text = "ab" + gem + gem;
  EXPECT_EQ(utf8_prefix(text, 2), "ab");
  EXPECT_EQ(utf8_prefix(text, 3), "ab");
  EXPECT_EQ(utf8_prefix(text, 5), "ab");
  EXPECT_EQ(utf8_prefix(text, 6), "ab" + gem);
  EXPECT_EQ(utf8_prefix(text, 100), text);
  EXPECT_EQ(utf8_excerpt(text, 7), "ab" + gem + "...");
  std::string s = text;
  utf8_pop_back(s);
  EXPECT_EQ(s, "ab" + gem);
}

TEST(Utf8, FileNamesAreEscapedWhenNotUtf8) {
  EXPECT_EQ(escape_file_name("n\xFF.csv"), "n\\xFF.csv");
  EXPECT_EQ(escape_file_name("caf\xC3\xA9.csv"), "caf\xC3\xA9.csv");
  EXPECT_EQ(escape_file_name("a\nb"), "a\\x0Ab");
}

TEST(Utf8, DisplayTextHasNoNul) {
  EXPECT_EQ(display_text("a\0b"s), "a" + kFffd + "b");
}

// Random bytes: whatever comes in, what goes out is valid UTF-8, and cuts of
// it stay valid.
TEST(Utf8, PropertyRandomBytesAlwaysSanitiseToValidUtf8) {
  std::mt19937 rng(20251201);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(static_cast<std::size_t>(length(rng)), '\0');
    for (auto& c : bytes) c = static_cast<char>(byte(rng));
    const std::string clean = sanitize_utf8(bytes);
    ASSERT_TRUE(is_valid_utf8(clean));
    for (std::size_t n = 0; n <= clean.size(); n += 3)
      ASSERT_TRUE(is_valid_utf8(utf8_prefix(clean, n)));
    ASSERT_TRUE(is_valid_utf8(escape_file_name(bytes)));
    if (is_valid_utf8(bytes)) {
      ASSERT_EQ(clean, bytes);
    }
  }
}

TEST(Redact, SecretsAndBearerTokensAreReplaced) {
  const auto secrets =
      header_secrets({"Authorization: Bearer sk-live-123456", "X-Api-Key: tenant-secret-9",
                      "Content-Type: application/json", "Accept: text/event-stream"});
  ASSERT_EQ(secrets.size(), 3u);
  EXPECT_EQ(redact("bad key sk-live-123456 for tenant-secret-9; send application/json", secrets),
            "bad key [redacted] for [redacted]; send application/json");
  EXPECT_EQ(redact("Authorization: Bearer sk-live-123456", secrets), "Authorization: [redacted]");
  EXPECT_EQ(redact("abc", {"ab"}), "abc");  // too short to be a secret
}

}  // namespace
}  // namespace chimera::util
