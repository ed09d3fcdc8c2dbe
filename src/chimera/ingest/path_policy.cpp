#include "chimera/ingest/path_policy.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <climits>
#include <cstdlib>
#include <memory>

namespace chimera::ingest {
namespace {

// `real` is `dir` or lies under it.
bool under(const std::string& real, const std::string& dir) {
  if (dir == "/") return true;
  return real == dir || (real.size() > dir.size() && real.compare(0, dir.size(), dir) == 0 &&
                         real[dir.size()] == '/');
}

}  // namespace

std::optional<std::string> pseudo_filesystem(const std::string& real) {
  for (const char* dir : {"/proc", "/sys", "/dev"}) {
    if (under(real, dir)) return std::string(dir);
  }
  struct statfs fs {};
  if (::statfs(real.c_str(), &fs) == 0) {
    if (fs.f_type == PROC_SUPER_MAGIC) return std::string("proc");
    if (fs.f_type == SYSFS_MAGIC) return std::string("sysfs");
  }
  return std::nullopt;
}

std::optional<std::string> canonical_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

bool PathPolicy::inside_a_root(const std::string& real) const {
  for (const auto& root : roots_) {
    if (under(real, root)) return true;
  }
  return false;
}

std::optional<std::string> PathPolicy::refuse(const std::string& real) const {
  if (auto pseudo = pseudo_filesystem(real)) {
    return "in " + *pseudo + ", a kernel pseudo-filesystem; never read";
  }
  return std::nullopt;
}

std::optional<std::string> PathPolicy::refuse_link(const std::string& target) const {
  if (auto pseudo = pseudo_filesystem(target)) {
    return "symbolic link to " + target + ", in " + *pseudo +
           ", a kernel pseudo-filesystem; never followed";
  }
  if (!follow_symlinks_ && !inside_a_root(target)) {
    return "symbolic link to " + target +
           ", outside the artifact roots; not followed (--follow-symlinks follows it)";
  }
  return std::nullopt;
}

}  // namespace chimera::ingest
