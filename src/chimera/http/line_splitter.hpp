#pragma once
// NDJSON framing: bytes arrive split anywhere (inside a UTF-8 character, inside
// a JSON line, between '\r' and '\n'); complete lines come out in order.
// A line that arrives whole inside one chunk is handed out without a copy; only
// the unfinished tail of a chunk is kept, so the work stays linear in the input.
// A line longer than the limit is not kept: the splitter stops and says so, so
// memory stays bounded whatever a server sends.

#include <cstddef>
#include <string>
#include <string_view>

namespace chimera::http {

inline constexpr std::size_t kDefaultMaxLineBytes = std::size_t{1} << 20;

class LineSplitter {
 public:
  // 0: no limit.
  explicit LineSplitter(std::size_t max_line_bytes = kDefaultMaxLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  // Calls on_line(std::string_view) for every complete, non-empty line, without
  // its "\n" or "\r\n". The view is valid only during the call.
  template <typename OnLine>
  void feed(std::string_view bytes, OnLine&& on_line) {
    while (!bytes.empty() && !overflowed_) {
      const auto newline = bytes.find('\n');
      const auto length = newline == std::string_view::npos ? bytes.size() : newline;
      if (max_line_bytes_ != 0 && pending_.size() + length > max_line_bytes_) {
        overflowed_ = true;
        pending_.clear();
        pending_.shrink_to_fit();
        return;
      }
      if (newline == std::string_view::npos) {
        pending_.append(bytes);
        return;
      }
      if (pending_.empty()) {
        emit(bytes.substr(0, newline), on_line);
      } else {
        pending_.append(bytes.substr(0, newline));
        emit(pending_, on_line);
        pending_.clear();
      }
      bytes.remove_prefix(newline + 1);
    }
  }

  // The last line when the stream ended without a final newline.
  template <typename OnLine>
  void finish(OnLine&& on_line) {
    if (!pending_.empty() && !overflowed_) emit(pending_, on_line);
    pending_.clear();
  }

  std::size_t pending_bytes() const { return pending_.size(); }
  // A line went past the limit; nothing after it was read.
  bool overflowed() const { return overflowed_; }
  std::size_t max_line_bytes() const { return max_line_bytes_; }

 private:
  template <typename OnLine>
  static void emit(std::string_view line, OnLine& on_line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) on_line(line);
  }

  std::string pending_;
  std::size_t max_line_bytes_;
  bool overflowed_ = false;
};

}  // namespace chimera::http
