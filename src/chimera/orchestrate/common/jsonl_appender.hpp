#pragma once
// Appending records to a JSONL file that always ends with a complete line:
// each record goes out in one write of its whole line, and a write that
// fails (a full disk, a file-size limit) is cut back to the file's size
// before it, so a reader never meets half a record.

#include <filesystem>
#include <string_view>

#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

class JsonlAppender {
 public:
  // Opens (creating) `path` for appending; throws Error when it cannot.
  explicit JsonlAppender(std::filesystem::path path);
  ~JsonlAppender();
  JsonlAppender(const JsonlAppender&) = delete;
  JsonlAppender& operator=(const JsonlAppender&) = delete;

  // Appends `record` and a newline. On failure the file is as it was and
  // the failure names the file and the reason ("disk full (No space left on
  // device)").
  Expected<void> append(std::string_view record);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace chimera::orchestrate
