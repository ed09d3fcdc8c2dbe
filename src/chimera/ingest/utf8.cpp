#include "chimera/ingest/utf8.hpp"

#include <cstring>

namespace chimera::ingest {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;

// True when one of the eight bytes is zero (the classic bit trick).
bool has_zero_byte(std::uint64_t word) {
  return ((word - kLowBits) & ~word & kHighBits) != 0;
}

bool acceptable_code_point(std::uint32_t cp, int length) {
  if (length == 2) return cp >= 0x80;
  if (length == 3) return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
  return cp >= 0x10000 && cp <= 0x10FFFF;
}

}  // namespace

void Utf8Validator::mark_invalid(std::uint64_t at) {
  if (!invalid_) {
    invalid_ = true;
    invalid_offset_ = at;
  }
  pending_ = 0;
}

void Utf8Validator::feed(std::string_view chunk) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(chunk.data());
  const std::size_t size = chunk.size();
  std::size_t i = 0;
  while (i < size) {
    if (pending_ == 0) {
      // Most benchmark text is ASCII: skip it eight bytes at a time.
      while (i + 8 <= size) {
        std::uint64_t word;
        std::memcpy(&word, bytes + i, 8);
        if ((word & kHighBits) != 0 || has_zero_byte(word)) break;
        i += 8;
      }
      if (i >= size) break;
      const unsigned char b = bytes[i];
      const std::uint64_t at = offset_ + i;
      ++i;
      if (b < 0x80) {
        if (b == 0 && nul_offset_ == kNone) nul_offset_ = at;
        continue;
      }
      sequence_start_ = at;
      if (b >= 0xC2 && b <= 0xDF) {
        pending_ = 1;
        code_point_ = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        pending_ = 2;
        code_point_ = b & 0x0F;
      } else if (b >= 0xF0 && b <= 0xF4) {
        pending_ = 3;
        code_point_ = b & 0x07;
      } else {
        mark_invalid(at);
        continue;
      }
      sequence_length_ = pending_ + 1;
      continue;
    }
    const unsigned char b = bytes[i];
    if ((b & 0xC0) != 0x80) {
      mark_invalid(sequence_start_);
      continue;  // re-read this byte as a new lead byte
    }
    ++i;
    code_point_ = (code_point_ << 6) | (b & 0x3F);
    if (--pending_ == 0 && !acceptable_code_point(code_point_, sequence_length_)) {
      mark_invalid(sequence_start_);
    }
  }
  offset_ += size;
}

void Utf8Validator::finish() {
  if (pending_ != 0) mark_invalid(sequence_start_);
}

std::string foreign_byte_order_mark(std::string_view head) {
  auto starts = [&](std::string_view mark) { return head.substr(0, mark.size()) == mark; };
  using namespace std::string_view_literals;
  if (starts("\xFF\xFE\x00\x00"sv)) return "UTF-32LE";
  if (starts("\x00\x00\xFE\xFF"sv)) return "UTF-32BE";
  if (starts("\xFF\xFE"sv)) return "UTF-16LE";
  if (starts("\xFE\xFF"sv)) return "UTF-16BE";
  return {};
}

bool has_utf8_bom(std::string_view head) {
  return head.substr(0, 3) == "\xEF\xBB\xBF";
}

}  // namespace chimera::ingest
