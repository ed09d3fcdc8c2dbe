#include "chimera/ingest/csv.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace chimera::ingest {
namespace {

// Bytes that end a run of ordinary field text.
constexpr std::array<bool, 256> make_special_table() {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>(',')] = true;
  table[static_cast<unsigned char>('\n')] = true;
  table[static_cast<unsigned char>('\r')] = true;
  table[static_cast<unsigned char>('"')] = true;
  return table;
}
constexpr auto kSpecial = make_special_table();

}  // namespace

CsvParser::CsvParser(RowHandler on_row, std::size_t max_row_bytes)
    : on_row_(std::move(on_row)), max_row_bytes_(max_row_bytes) {}

// Inlined, like the steps of feed() below.
[[gnu::always_inline]] inline void CsvParser::end_field() {
  field_ends_.push_back(row_data_.size());
  field_was_quoted_ = false;
  state_ = State::kFieldStart;
}

void CsvParser::end_row() {
  // A blank line is not a record of one empty field for any benchmark tool.
  const bool blank = field_ends_.size() == 1 && field_ends_[0] == 0 && !field_was_quoted_;
  if (!blank) {
    views_.clear();
    std::size_t begin = 0;
    for (std::size_t end : field_ends_) {
      views_.emplace_back(row_data_.data() + begin, end - begin);
      begin = end;
    }
    ++rows_;
    on_row_(views_, row_line_);
  }
  row_data_.clear();
  field_ends_.clear();
  row_started_ = false;
  field_was_quoted_ = false;
  state_ = State::kFieldStart;
}

void CsvParser::note_stray_quote() {
  if (stray_quotes_++ == 0) first_stray_quote_line_ = line_;
}

void CsvParser::check_row_size(std::uint64_t at) {
  if (row_data_.size() <= max_row_bytes_) return;
  if (state_ == State::kQuoted) {
    error_ = CsvError{"quoted field opened here is longer than the row limit (" +
                          std::to_string(max_row_bytes_) + " bytes); is the quote never closed?",
                      quote_line_, quote_offset_};
  } else {
    error_ =
        CsvError{"row longer than " + std::to_string(max_row_bytes_) + " bytes", row_line_, at};
  }
  state_ = State::kStopped;
  row_data_.clear();
  row_data_.shrink_to_fit();
}

void CsvParser::skip_byte_order_mark(std::string_view& chunk) {
  if (!at_file_start_ || chunk.empty()) return;
  at_file_start_ = false;
  if (chunk.substr(0, 3) == "\xEF\xBB\xBF") {
    chunk.remove_prefix(3);
    consumed_ += 3;
  }
}

// The steps of feed() are inlined into its per-byte loop: as calls they cost
// a fifth more instructions per byte.
// A line break ends the field and the row; "\r\n" counts as one.
[[gnu::always_inline]] inline void CsvParser::end_line(char c) {
  end_field();
  end_row();
  if (c == '\r') skip_next_lf_ = true;
  ++line_;
}

// Ordinary text up to the next special byte, then that byte's meaning.
[[gnu::always_inline]] inline const char* CsvParser::unquoted_run(const char* p, const char* end) {
  const char* run = p;
  while (p < end && !kSpecial[static_cast<unsigned char>(*p)]) ++p;
  row_data_.append(run, static_cast<std::size_t>(p - run));
  if (p == end) return p;
  const char c = *p++;
  if (c == ',') {
    end_field();
  } else if (c == '"') {
    note_stray_quote();
    row_data_.push_back('"');
  } else {  // '\n' or '\r'
    end_line(c);
  }
  return p;
}

// Quoted text up to the next quote, line breaks included.
[[gnu::always_inline]] inline const char* CsvParser::quoted_run(const char* p, const char* end) {
  const auto* quote =
      static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
  const char* run_end = quote ? quote : end;
  line_ += static_cast<std::size_t>(std::count(p, run_end, '\n'));
  row_data_.append(p, static_cast<std::size_t>(run_end - p));
  if (!quote) return end;
  state_ = State::kQuoteInQuoted;
  return quote + 1;
}

// The byte after a quote inside a quoted field: an escaped quote, or the
// field's end.
[[gnu::always_inline]] inline void CsvParser::after_quote(char c) {
  if (c == '"') {
    row_data_.push_back('"');
    state_ = State::kQuoted;
  } else if (c == ',') {
    end_field();
  } else if (c == '\n' || c == '\r') {
    end_line(c);
  } else {
    // `"ab"c`: not RFC 4180, but keep the text rather than lose the row.
    note_stray_quote();
    row_data_.push_back(c);
    state_ = State::kUnquoted;
  }
}

void CsvParser::feed(std::string_view chunk) {
  if (state_ == State::kStopped) return;
  skip_byte_order_mark(chunk);
  const char* const base = chunk.data();
  const char* p = base;
  const char* const end = base + chunk.size();
  auto offset_of = [&](const char* at) {
    return consumed_ + static_cast<std::uint64_t>(at - base);
  };

  while (p < end && state_ != State::kStopped) {
    if (skip_next_lf_) {
      skip_next_lf_ = false;
      if (*p == '\n') {
        ++p;
        continue;
      }
    }
    if (!row_started_) {
      row_started_ = true;
      row_line_ = line_;
    }
    switch (state_) {
      case State::kFieldStart:
        if (*p == '"') {
          state_ = State::kQuoted;
          field_was_quoted_ = true;
          quote_line_ = line_;
          quote_offset_ = offset_of(p);
          ++p;
          break;
        }
        state_ = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted:
        p = unquoted_run(p, end);
        break;
      case State::kQuoted:
        p = quoted_run(p, end);
        break;
      case State::kQuoteInQuoted:
        after_quote(*p++);
        break;
      case State::kStopped:
        break;
    }
    check_row_size(offset_of(p));
  }
  consumed_ += chunk.size();
}

void CsvParser::finish() {
  if (state_ == State::kStopped) return;
  if (state_ == State::kQuoted) {
    error_ = CsvError{"quote opened here is never closed", quote_line_, quote_offset_};
    state_ = State::kStopped;
    return;
  }
  if (row_started_) {
    end_field();
    end_row();
  }
}

}  // namespace chimera::ingest
