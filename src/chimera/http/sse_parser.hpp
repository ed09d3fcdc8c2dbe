#pragma once
// Server-Sent Events framing as the WHATWG specification defines it: lines end
// with "\r\n", "\n" or "\r"; lines starting with ':' are comments; several
// `data:` lines of one event are joined with '\n'; a blank line dispatches the
// event. Bytes may be split anywhere, including between '\r' and '\n'.
// A line or an event's data longer than the limit is not kept: the parser
// stops and says so, so memory stays bounded whatever a server sends.

#include <cstddef>
#include <string>
#include <string_view>

namespace chimera::http {

struct SseEvent {
  std::string_view type;  // "message" unless an `event:` field said otherwise
  std::string_view data;
  std::string_view id;
};

class SseParser {
 public:
  // 0: no limit. The same limit applies to one line and to one event's data.
  explicit SseParser(std::size_t max_event_bytes = std::size_t{1} << 20)
      : max_bytes_(max_event_bytes) {}

  // Calls on_event(const SseEvent&) for every dispatched event that carries
  // data. Views are valid only during the call.
  template <typename OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    while (!bytes.empty() && !overflowed_) {
      if (skip_newline_ && bytes.front() == '\n') {
        bytes.remove_prefix(1);
        skip_newline_ = false;
        continue;
      }
      skip_newline_ = false;
      const auto end = find_line_end(bytes);
      const auto length = end == std::string_view::npos ? bytes.size() : end;
      if (too_long(line_.size() + length)) return;
      if (end == std::string_view::npos) {
        line_.append(bytes);
        return;
      }
      if (bytes[end] == '\r') skip_newline_ = true;
      if (line_.empty()) {
        process_line(bytes.substr(0, end), on_event);
      } else {
        line_.append(bytes.substr(0, end));
        process_line(line_, on_event);
        line_.clear();
      }
      bytes.remove_prefix(end + 1);
    }
  }

  // End of stream: an event not followed by a blank line is dropped, as the
  // specification says; only a final unterminated line is still interpreted.
  template <typename OnEvent>
  void finish(OnEvent&& on_event) {
    if (!line_.empty() && !overflowed_) {
      std::string last;
      last.swap(line_);
      process_line(last, on_event);
    }
  }

  // A line or an event went past the limit; nothing after it was read.
  bool overflowed() const { return overflowed_; }
  std::size_t max_event_bytes() const { return max_bytes_; }

 private:
  bool too_long(std::size_t size) {
    if (max_bytes_ == 0 || size <= max_bytes_) return false;
    overflowed_ = true;
    line_.clear();
    line_.shrink_to_fit();
    data_.clear();
    data_.shrink_to_fit();
    return true;
  }

  // memchr for '\n', then for a rarer '\r' before it: much faster than
  // string_view::find_first_of, which tests every byte against the set.
  static std::size_t find_line_end(std::string_view bytes) {
    const auto newline = bytes.find('\n');
    const auto scan = newline == std::string_view::npos ? bytes.size() : newline;
    const auto carriage_return = bytes.substr(0, scan).find('\r');
    return carriage_return != std::string_view::npos ? carriage_return : newline;
  }

  template <typename OnEvent>
  void process_line(std::string_view line, OnEvent& on_event) {
    if (line.empty()) {
      dispatch(on_event);
      return;
    }
    if (line.front() == ':') return;  // comment, often a keep-alive
    std::string_view field = line;
    std::string_view value;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      field = line.substr(0, colon);
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (too_long(data_.size() + value.size() + 1)) return;
      if (has_data_) data_.push_back('\n');
      data_.append(value);
      has_data_ = true;
    } else if (field == "event") {
      type_.assign(value);
    } else if (field == "id") {
      id_.assign(value);
    }
    // `retry` and unknown fields are ignored, as the specification says.
  }

  template <typename OnEvent>
  void dispatch(OnEvent& on_event) {
    if (has_data_) {
      const SseEvent event{type_.empty() ? std::string_view("message") : std::string_view(type_),
                           data_, id_};
      on_event(event);
    }
    data_.clear();
    type_.clear();
    has_data_ = false;
  }

  std::string line_;
  std::string data_;
  std::string type_;
  std::string id_;  // persists across events, as the last event id does
  bool has_data_ = false;
  bool skip_newline_ = false;
  std::size_t max_bytes_;
  bool overflowed_ = false;
};

}  // namespace chimera::http
