#include "chimera/util/json_text.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "chimera/util/utf8.hpp"

namespace chimera {

namespace {

// The escape for one byte, or an empty view when it needs none.
std::string_view escape_of(unsigned char c, char (&scratch)[7]) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    default:
      if (c >= 0x20) return {};
      scratch[0] = '\\';
      scratch[1] = 'u';
      scratch[2] = '0';
      scratch[3] = '0';
      scratch[4] = kHex[c >> 4];
      scratch[5] = kHex[c & 0xF];
      return {scratch, 6};
  }
}

// Runs of bytes that need no escape are appended whole.
void append_escaped(std::string& out, std::string_view text) {
  char scratch[7];
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto escape = escape_of(static_cast<unsigned char>(text[i]), scratch);
    if (escape.empty()) continue;
    out.append(text.substr(run, i - run)).append(escape);
    run = i + 1;
  }
  out.append(text.substr(run));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  if (util::is_valid_utf8(text)) {
    append_escaped(out, text);
  } else {
    append_escaped(out, util::sanitize_utf8(text));
  }
  out += '"';
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // Formatted into a buffer first: appending through an iterator would grow
  // the string one character at a time.
  char buffer[40];
  char* end = fmt::format_to_n(buffer, sizeof buffer, "{}", value).out;
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

void JsonObjectWriter::integer(const char* key, std::int64_t value) {
  name(key);
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out_.append(buffer, result.ptr);
}

void JsonObjectWriter::numbers(const char* key, const std::vector<double>& values) {
  name(key);
  out_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_ += ',';
    append_json_number(out_, values[i]);
  }
  out_ += ']';
}

}  // namespace chimera
