#include "chimera/util/file_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <sstream>
#include <thread>
#include <utility>

namespace chimera {
namespace {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[512];
  off_t offset = 0;
  for (;;) {
    const ssize_t n = pread(fd, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    offset += n;
    if (text.size() > 4096) break;  // a lock file holds one short line
  }
  return text;
}

// "PID HOST SINCE" as written by publish(), in words.
std::string describe_holder(const std::string& text) {
  std::istringstream in(text);
  long pid = 0;
  std::string host, since;
  if (!(in >> pid >> host)) return "";
  in >> since;
  return since.empty() ? fmt::format("process {} on host {}", pid, host)
                       : fmt::format("process {} on host {}, since {}", pid, host, since);
}

// The holder may have locked the file an instant ago and not written it yet:
// read for up to half a second.
std::string holder_of(int fd) {
  for (int i = 0; i < 20; ++i) {
    if (auto holder = describe_holder(read_all(fd)); !holder.empty()) return holder;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return "another process (still starting: it has not written its pid yet)";
}

// True when `fd` is still the file at `path`: a releasing owner removes the
// file while holding the lock, and a lock on the removed file guards nothing.
bool still_at(int fd, const std::filesystem::path& path) {
  struct stat opened {};
  struct stat named {};
  if (fstat(fd, &opened) != 0 || stat(path.c_str(), &named) != 0) return false;
  return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

}  // namespace

std::string lock_owner_description() {
  return fmt::format("process {} on host {}", static_cast<long>(getpid()), host_name());
}

Expected<FileLock> FileLock::try_acquire(const std::filesystem::path& path) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return std::unexpected(
          Failure{FailureKind::kIo, fmt::format("could not open the lock file '{}': {}",
                                                path.string(), std::strerror(errno))});
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      std::string message = error == EWOULDBLOCK ? holder_of(fd)
                                                 : fmt::format("could not lock '{}': {}",
                                                               path.string(), std::strerror(error));
      ::close(fd);
      return std::unexpected(
          Failure{error == EWOULDBLOCK ? FailureKind::kInvalidInput : FailureKind::kIo,
                  std::move(message)});
    }
    if (still_at(fd, path)) return FileLock(fd, path);
    ::close(fd);  // its owner removed it as we opened it: take the new one
  }
  return std::unexpected(
      Failure{FailureKind::kIo,
              fmt::format("could not lock '{}': it keeps being replaced", path.string())});
}

Expected<void> FileLock::publish() {
  const std::string text =
      fmt::format("{} {} {}\n", static_cast<long>(getpid()), host_name(), utc_now());
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return std::unexpected(
        Failure{FailureKind::kIo, fmt::format("could not write the lock file '{}': {}",
                                              path_.string(), std::strerror(errno))});
  }
  published_ = true;
  return {};
}

void FileLock::release() {
  if (fd_ < 0) return;
  if (published_) ::unlink(path_.c_str());  // still locked: nobody takes the file meanwhile
  ::close(fd_);
  fd_ = -1;
  published_ = false;
}

FileLock::~FileLock() {
  release();
}

FileLock::FileLock(FileLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      published_(std::exchange(other.published_, false)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    published_ = std::exchange(other.published_, false);
  }
  return *this;
}

}  // namespace chimera
