#pragma once
// Where a walk of artifact roots may go. By default it never leaves the roots
// it was given: a symbolic link is followed only when its target (resolved)
// lies inside one of them. Following links out of the roots is opt-in. The
// kernel's pseudo-filesystems (/proc, /sys, /dev, and proc or sysfs mounted
// anywhere) are never entered, whatever is asked: reading them means reading
// the whole machine, its processes' memory maps and devices.

#include <optional>
#include <string>
#include <vector>

namespace chimera::ingest {

class PathPolicy {
 public:
  explicit PathPolicy(bool follow_symlinks) : follow_symlinks_(follow_symlinks) {}

  // `real` is a root's canonical path (no symbolic links, no "." or "..").
  void add_root(const std::string& real) { roots_.push_back(real); }
  bool follows_symlinks() const { return follow_symlinks_; }

  // Why the walk must not read the directory or file at canonical path
  // `real` (nothing: it may). Checked for every directory entered, and for
  // every symbolic link's resolved target.
  std::optional<std::string> refuse(const std::string& real) const;
  // Why a symbolic link to canonical path `target` is not followed (nothing:
  // it is): outside every root without the opt-in, or a pseudo-filesystem.
  std::optional<std::string> refuse_link(const std::string& target) const;

  bool inside_a_root(const std::string& real) const;

 private:
  bool follow_symlinks_;
  std::vector<std::string> roots_;
};

// The pseudo-filesystem `real` lies in ("/proc", "/sys", "/dev", or the kind
// of filesystem mounted there: "proc", "sysfs"); nothing when it is an
// ordinary place.
std::optional<std::string> pseudo_filesystem(const std::string& real);

// `path` with every symbolic link resolved (realpath(3)); nothing when it
// cannot be resolved (errno says why).
std::optional<std::string> canonical_path(const std::string& path);

}  // namespace chimera::ingest
