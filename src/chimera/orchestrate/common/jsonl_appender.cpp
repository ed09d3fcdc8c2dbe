#include "chimera/orchestrate/common/jsonl_appender.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "chimera/util/file_error.hpp"

namespace chimera::orchestrate {

JsonlAppender::JsonlAppender(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(fmt::format("Could not write '{}': {}", path_.string(), write_error_text(errno)));
  }
}

JsonlAppender::~JsonlAppender() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<void> JsonlAppender::append(std::string_view record) {
  std::string line;
  line.reserve(record.size() + 1);
  line.append(record).push_back('\n');
  struct stat before {};
  if (::fstat(fd_, &before) != 0) {
    return fail(FailureKind::kIo, fmt::format("Could not append to '{}': {}", path_.string(),
                                              write_error_text(errno)));
  }
  std::size_t done = 0;
  while (done < line.size()) {
    const auto n = ::write(fd_, line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int error = n < 0 ? errno : ENOSPC;  // a write of 0 bytes: no room left
    const bool cut = ::ftruncate(fd_, before.st_size) == 0;
    return fail(
        FailureKind::kIo,
        fmt::format("Could not append to '{}': {}; {}", path_.string(), write_error_text(error),
                    cut ? "the file was cut back to its last complete line"
                        : "the file could not be cut back and may end mid-record"));
  }
  return {};
}

}  // namespace chimera::orchestrate
