#include <gtest/gtest.h>

#include "chimera/ingest/utf8.hpp"

namespace chimera::ingest {
namespace {

TEST(Utf8, MultiByteSequencesSplitAcrossChunksAreValid) {
  const std::string text = "tok/s \xC2\xB5s \xE2\x80\x94 \xF0\x9F\x9A\x80 done, plain ascii tail";
  for (std::size_t chunk = 1; chunk < 6; ++chunk) {
    Utf8Validator v;
    for (std::size_t i = 0; i < text.size(); i += chunk)
      v.feed(std::string_view(text).substr(i, chunk));
    v.finish();
    EXPECT_TRUE(v.valid()) << chunk;
    EXPECT_FALSE(v.saw_nul());
  }
}

TEST(Utf8, InvalidBytesAreLocated) {
  Utf8Validator v;
  v.feed("abcdefghij");
  v.feed("klm\xFFnop");  // 0xFF is never valid
  v.finish();
  EXPECT_FALSE(v.valid());
  EXPECT_EQ(v.first_invalid_offset(), 13u);
}

TEST(Utf8, OverlongSurrogateAndTruncatedSequencesAreInvalid) {
  for (std::string bad :
       {std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("ok\xE2\x82")}) {
    Utf8Validator v;
    v.feed(bad);
    v.finish();
    EXPECT_FALSE(v.valid()) << bad.size();
  }
}

TEST(Utf8, NulBytesAreFound) {
  Utf8Validator v;
  v.feed(std::string("0123456789abcdef\0rest", 21));
  EXPECT_TRUE(v.saw_nul());
  EXPECT_EQ(v.first_nul_offset(), 16u);
}

TEST(Utf8, ByteOrderMarks) {
  EXPECT_EQ(foreign_byte_order_mark("\xFF\xFE=\0"), "UTF-16LE");
  EXPECT_EQ(foreign_byte_order_mark("\xFE\xFF\0="), "UTF-16BE");
  EXPECT_EQ(foreign_byte_order_mark("a,b"), "");
  EXPECT_TRUE(
      has_utf8_bom("\xEF\xBB\xBF"
                   "a"));
}

}  // namespace
}  // namespace chimera::ingest
