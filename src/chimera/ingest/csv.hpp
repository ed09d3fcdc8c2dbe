#pragma once
// A streaming RFC 4180 reader: quoted fields, "" escapes, embedded newlines,
// CRLF or LF, a leading UTF-8 BOM. Bytes are fed in chunks of any size and
// rows come out through a callback, so a file of any size is read in constant
// memory (bounded by the longest row).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::ingest {

struct CsvError {
  std::string reason;
  std::size_t line = 0;      // 1-based
  std::uint64_t offset = 0;  // byte offset in the file
};

class CsvParser {
 public:
  // `fields` and the views in it are valid only during the call.
  using RowHandler =
      std::function<void(const std::vector<std::string_view>& fields, std::size_t line)>;

  explicit CsvParser(RowHandler on_row, std::size_t max_row_bytes = 4u << 20);

  void feed(std::string_view chunk);
  // Ends the last row; an open quote at end of input becomes the error.
  void finish();

  // Set when parsing stopped: a quote never closed, or a row beyond max_row_bytes.
  const std::optional<CsvError>& error() const { return error_; }
  std::size_t rows() const { return rows_; }
  // Quotes inside an unquoted field, or text after a closing quote: tolerated, counted.
  std::size_t stray_quotes() const { return stray_quotes_; }
  std::size_t first_stray_quote_line() const { return first_stray_quote_line_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kStopped };

  void end_field();
  void end_row();
  void note_stray_quote();
  void check_row_size(std::uint64_t at);
  void skip_byte_order_mark(std::string_view& chunk);
  void end_line(char c);
  // Each consumes from p and returns where it stopped.
  const char* unquoted_run(const char* p, const char* end);
  const char* quoted_run(const char* p, const char* end);
  void after_quote(char c);

  RowHandler on_row_;
  std::size_t max_row_bytes_;
  State state_ = State::kFieldStart;
  std::string row_data_;
  std::vector<std::size_t> field_ends_;
  std::vector<std::string_view> views_;
  bool row_started_ = false;
  bool field_was_quoted_ = false;
  bool skip_next_lf_ = false;
  bool at_file_start_ = true;
  std::size_t line_ = 1;
  std::size_t row_line_ = 1;
  std::uint64_t consumed_ = 0;
  std::size_t quote_line_ = 0;
  std::uint64_t quote_offset_ = 0;
  std::size_t rows_ = 0;
  std::size_t stray_quotes_ = 0;
  std::size_t first_stray_quote_line_ = 0;
  std::optional<CsvError> error_;
};

}  // namespace chimera::ingest
