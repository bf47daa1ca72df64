#pragma once

#include <string>

namespace driftguard {

// Opens `relative` (no leading "/") under the directory `root_fd` as if it were "/":
// "..", absolute symlinks and magic links cannot leave it (openat2 RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS). Returns the fd, or -1 with errno set.
int open_in_root(int root_fd, const std::string& relative, int flags);

}  // namespace driftguard
