#pragma once
// Streaming checks of text encoding: fed chunk by chunk, so a sequence split
// across two reads is judged as a whole and memory stays constant.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chimera::ingest {

class Utf8Validator {
 public:
  void feed(std::string_view chunk);
  // Call once after the last chunk: a sequence cut off by end of file is invalid.
  void finish();

  bool valid() const { return !invalid_; }
  bool saw_nul() const { return nul_offset_ != kNone; }
  std::uint64_t first_invalid_offset() const { return invalid_offset_; }
  std::uint64_t first_nul_offset() const { return nul_offset_; }
  std::uint64_t bytes_seen() const { return offset_; }

  static constexpr std::uint64_t kNone = ~std::uint64_t{0};

 private:
  void mark_invalid(std::uint64_t at);
  std::uint64_t offset_ = 0;
  std::uint64_t sequence_start_ = 0;
  int pending_ = 0;  // continuation bytes still expected
  std::uint32_t code_point_ = 0;
  int sequence_length_ = 0;
  bool invalid_ = false;
  std::uint64_t invalid_offset_ = kNone;
  std::uint64_t nul_offset_ = kNone;
};

// A byte-order mark that says the text is not UTF-8 ("UTF-16LE", ...), or empty.
std::string foreign_byte_order_mark(std::string_view head);
bool has_utf8_bom(std::string_view head);

}  // namespace chimera::ingest
