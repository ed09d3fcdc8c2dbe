#pragma once
// JSON as text for output: any invalid UTF-8 that reached a string (a server's
// bytes, a file name) becomes U+FFFD instead of aborting the whole output.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace chimera {

// `indent` < 0: one line; otherwise pretty-printed with that many spaces.
inline std::string dump_json(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

// Appends `text` as a JSON string literal, quotes included, the way dump_json
// writes strings (invalid UTF-8 as U+FFFD). For hot paths that write a
// document field by field instead of building an nlohmann::json first.
void append_json_string(std::string& out, std::string_view text);

// Appends a number the way dump_json writes one: the shortest text that reads
// back as the same double, with ".0" on whole numbers; null when not finite.
void append_json_number(std::string& out, double value);

// Writes one JSON object field by field into `out`, for hot paths (a stored
// row per request) where building an nlohmann::json first costs more than the
// rest of the work. Keys are written as given (plain ASCII, no escapes); one
// method per value type, so that a string literal never becomes a bool.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;

  void text(const char* key, std::string_view value) {
    name(key);
    append_json_string(out_, value);
  }
  void boolean(const char* key, bool value) {
    name(key);
    out_ += value ? "true" : "false";
  }
  void integer(const char* key, std::int64_t value);
  void number(const char* key, double value) {
    name(key);
    append_json_number(out_, value);
  }
  void json(const char* key, const nlohmann::json& value) {
    name(key);
    out_ += dump_json(value);
  }
  void null(const char* key) {
    name(key);
    out_ += "null";
  }
  void numbers(const char* key, const std::vector<double>& values);
  // Absent values are written as null.
  template <typename T>
  void optional(const char* key, const std::optional<T>& value) {
    if (!value) {
      null(key);
    } else if constexpr (std::is_same_v<T, double>) {
      number(key, *value);
    } else if constexpr (std::is_same_v<T, std::string>) {
      text(key, *value);
    } else {
      integer(key, *value);
    }
  }
  // The key of a nested object: the caller writes it with a writer of its
  // own on the same string.
  void object(const char* key) { name(key); }
  void close() { out_ += '}'; }

 private:
  void name(const char* key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace chimera
