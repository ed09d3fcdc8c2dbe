#include "chimera/util/utf8.hpp"

#include <fmt/format.h>

#include <cstring>

namespace chimera::util {
namespace {

bool continuation(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

// The valid range of the second byte depends on the first (RFC 3629 table).
bool second_byte_ok(unsigned char lead, unsigned char second) {
  switch (lead) {
    case 0xE0:
      return second >= 0xA0 && second <= 0xBF;
    case 0xED:
      return second >= 0x80 && second <= 0x9F;
    case 0xF0:
      return second >= 0x90 && second <= 0xBF;
    case 0xF4:
      return second >= 0x80 && second <= 0x8F;
    default:
      return continuation(second);
  }
}

int expected_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Appends sanitised `text` to `out`. With `keep_tail`, an incomplete sequence
// at the very end is not replaced; its length is returned instead.
std::size_t sanitize_into(std::string_view text, std::string& out, bool keep_tail,
                          std::uint64_t base, std::uint64_t& first_invalid) {
  std::size_t i = 0;
  std::size_t copied = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const int length = utf8_sequence_length(text.substr(i));
    if (length > 0) {
      i += static_cast<std::size_t>(length);
      continue;
    }
    out.append(text.substr(copied, i - copied));
    if (length < 0 && keep_tail) return text.size() - i;
    if (first_invalid == kNoOffset) first_invalid = base + i;
    out.append(kReplacementCharacter);
    // Skip the maximal subpart: the lead byte and the continuation bytes that fit it.
    const auto lead = static_cast<unsigned char>(text[i]);
    const int want = expected_length(lead);
    std::size_t j = i + 1;
    if (want > 1 && j < text.size() && second_byte_ok(lead, static_cast<unsigned char>(text[j]))) {
      ++j;
      while (j < text.size() && j < i + static_cast<std::size_t>(want) &&
             continuation(static_cast<unsigned char>(text[j])))
        ++j;
    }
    i = j;
    copied = i;
  }
  out.append(text.substr(copied));
  return 0;
}

}  // namespace

int utf8_sequence_length(std::string_view text) {
  if (text.empty()) return 0;
  const auto lead = static_cast<unsigned char>(text[0]);
  const int want = expected_length(lead);
  if (want <= 1) return want;
  for (int k = 1; k < want; ++k) {
    if (static_cast<std::size_t>(k) >= text.size()) return -1;
    const auto b = static_cast<unsigned char>(text[static_cast<std::size_t>(k)]);
    if (k == 1 ? !second_byte_ok(lead, b) : !continuation(b)) return 0;
  }
  return want;
}

bool is_valid_utf8(std::string_view text) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::size_t i = 0;
  while (i < text.size()) {
    // Most text is ASCII: skip it eight bytes at a time.
    if (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
    const int length = utf8_sequence_length(text.substr(i));
    if (length <= 0) return false;
    i += static_cast<std::size_t>(length);
  }
  return true;
}

std::string sanitize_utf8(std::string_view text, std::uint64_t& first_invalid) {
  first_invalid = kNoOffset;
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  sanitize_into(text, out, false, 0, first_invalid);
  return out;
}

std::string sanitize_utf8(std::string_view text) {
  std::uint64_t ignored = kNoOffset;
  return sanitize_utf8(text, ignored);
}

std::string_view Utf8Sanitizer::feed(std::string_view chunk) {
  if (tail_.empty() && is_valid_utf8(chunk)) {
    offset_ += chunk.size();
    return chunk;
  }
  out_.clear();
  std::string_view work = chunk;
  std::string joined;
  if (!tail_.empty()) {
    joined = tail_ + std::string(chunk);
    work = joined;
  }
  const std::size_t kept = sanitize_into(work, out_, true, offset_, first_invalid_);
  tail_.assign(work.substr(work.size() - kept));
  offset_ += work.size() - kept;
  return out_;
}

std::string_view Utf8Sanitizer::finish() {
  out_.clear();
  if (!tail_.empty()) {
    if (first_invalid_ == kNoOffset) first_invalid_ = offset_;
    out_.assign(kReplacementCharacter);
    offset_ += tail_.size();
    tail_.clear();
  }
  return out_;
}

std::size_t utf8_floor(std::string_view text, std::size_t max_bytes) {
  if (max_bytes >= text.size()) return text.size();
  std::size_t cut = max_bytes;
  // Step back over at most three continuation bytes to the lead byte.
  for (int k = 0; k < 3 && cut > 0 && continuation(static_cast<unsigned char>(text[cut])); ++k)
    --cut;
  if (continuation(static_cast<unsigned char>(text[cut]))) return max_bytes;  // not UTF-8 anyway
  return cut;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  return text.substr(0, utf8_floor(text, max_bytes));
}

std::string utf8_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out(utf8_prefix(text, max_bytes));
  if (out.size() < text.size()) out += "...";
  return out;
}

void utf8_pop_back(std::string& text) {
  if (text.empty()) return;
  std::size_t cut = text.size() - 1;
  for (int k = 0; k < 3 && cut > 0 && continuation(static_cast<unsigned char>(text[cut])); ++k)
    --cut;
  text.resize(cut);
}

std::string escape_file_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  std::size_t i = 0;
  while (i < name.size()) {
    const auto b = static_cast<unsigned char>(name[i]);
    const int length = utf8_sequence_length(name.substr(i));
    if (b < 0x20 || b == 0x7F || length <= 0) {
      out += fmt::format("\\x{:02X}", b);
      ++i;
      continue;
    }
    out.append(name.substr(i, static_cast<std::size_t>(length)));
    i += static_cast<std::size_t>(length);
  }
  return out;
}

std::string display_text(std::string_view text) {
  std::string out = sanitize_utf8(text);
  if (out.find('\0') == std::string::npos) return out;
  std::string clean;
  clean.reserve(out.size() + 8);
  for (char c : out) {
    if (c == '\0') {
      clean.append(kReplacementCharacter);
    } else {
      clean.push_back(c);
    }
  }
  return clean;
}

}  // namespace chimera::util
