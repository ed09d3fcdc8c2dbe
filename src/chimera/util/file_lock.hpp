#pragma once
// One owner at a time for a file-system resource (a run directory, a sweep in
// a SQLite store): an exclusive flock() on a lock file, held for the life of
// the FileLock and released by the kernel when the process dies, kill -9
// included, so a dead owner never blocks the next one. The lock file holds
// its owner's pid, host and start time so that a refused process can name it.

#include <filesystem>
#include <string>

#include "chimera/util/error.hpp"

namespace chimera {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Takes the lock on `path` (creating the file) without waiting. When
  // another process holds it: a kInvalidInput failure whose message names
  // the holder ("process 123 on host h, since 2026-01-02T03:04:05Z"). Other
  // failures (no such directory, read-only) are kIo.
  static Expected<FileLock> try_acquire(const std::filesystem::path& path);

  // Writes this process's pid, host and the time into the lock file. Until
  // then a refused process reads an empty file and says the owner is
  // starting; a lock that was published is also removed with its file when
  // released, so only a killed owner leaves one behind.
  Expected<void> publish();

  bool held() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }

  // Releases the lock (and removes the file when published); idempotent.
  void release();

 private:
  FileLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
  bool published_ = false;
};

// This process as a lock owner reads it: "process PID on host HOST".
std::string lock_owner_description();

}  // namespace chimera
