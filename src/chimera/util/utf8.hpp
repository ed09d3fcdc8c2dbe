#pragma once
// UTF-8 safety shared by every layer: input bytes of any kind become valid
// UTF-8 (invalid sequences turn into U+FFFD), and every cut of text lands on a
// code point boundary, so no output writer ever meets a broken character.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chimera::util {

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
inline constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};

// Length of the well-formed sequence at the start of `text` (1 to 4), 0 when
// the first byte starts no valid sequence, or -1 when `text` ends inside an
// otherwise valid sequence (more bytes could complete it).
int utf8_sequence_length(std::string_view text);

bool is_valid_utf8(std::string_view text);

// Every maximal invalid subpart becomes one U+FFFD (the Unicode "best
// practice" also used by browsers and Python's 'replace').
std::string sanitize_utf8(std::string_view text);
// Same, also reporting the byte offset of the first invalid byte (kNoOffset when none).
std::string sanitize_utf8(std::string_view text, std::uint64_t& first_invalid);

// Sanitises a stream fed in chunks split anywhere; a sequence cut across two
// chunks is judged whole. Memory: the output of one chunk plus up to 3 bytes.
class Utf8Sanitizer {
 public:
  // The sanitised text; valid until the next call.
  std::string_view feed(std::string_view chunk);
  // A sequence left incomplete at the end becomes U+FFFD.
  std::string_view finish();
  std::uint64_t first_invalid_offset() const { return first_invalid_; }
  bool replaced() const { return first_invalid_ != kNoOffset; }

 private:
  std::string out_;
  std::string tail_;          // an incomplete sequence at the end of the last chunk
  std::uint64_t offset_ = 0;  // stream offset of the first byte of tail_ + chunk
  std::uint64_t first_invalid_ = kNoOffset;
};

// The largest code point boundary <= max_bytes (the whole size when shorter).
std::size_t utf8_floor(std::string_view text, std::size_t max_bytes);
// At most max_bytes of `text`, cut at a code point boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);
// Same, with "..." appended when something was cut.
std::string utf8_excerpt(std::string_view text, std::size_t max_bytes);
// Removes the last code point (for trimming built-up text one character at a time).
void utf8_pop_back(std::string& text);

// A file name for display: valid UTF-8 stays as is, every byte of an invalid
// sequence is shown as \xHH, and control characters (NUL, newline, ...) as \xHH,
// so a name never breaks a line, a table or an encoder.
std::string escape_file_name(std::string_view name);

// Valid UTF-8 for text shown in documents: invalid sequences become U+FFFD and
// NUL becomes U+FFFD too (a raw NUL ends C strings and breaks Markdown and HTML).
std::string display_text(std::string_view text);

}  // namespace chimera::util
