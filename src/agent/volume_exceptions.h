#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/allowed_files.h"
#include "policy/policy.h"

namespace driftguard::agent {

// Policy exceptions for files outside the container's root overlay: volumes (a vendor
// tool an init container copied into an emptyDir), tmpfs, bind mounts. The exception's
// path globs are expanded inside the container's own view of its filesystems
// (/proc/<pid>/root, every step resolved with RESOLVE_IN_ROOT so a symlink planted in a
// volume cannot lead outside), and each matching file whose digest matches is allowed by
// inode and ctime. Upper-layer files are the UpperLayerVerifier's.
class VolumeExceptions {
  public:
    VolumeExceptions(AllowedFiles& allowed, std::uint32_t container_dev);

    // Looks for the files again; called when the container appears, when the policy
    // changes and on every discovery tick (a file may have been copied in since).
    void refresh(pid_t pid, const std::vector<policy::Exception>& exceptions);

  private:
    void consider(int root_fd, const std::string& path,
                  const std::vector<const policy::Exception*>& candidates);

    AllowedFiles& allowed_;
    std::uint32_t container_dev_;
};

// Expands a path glob ("/data/*/bin/tool", "/opt/vendor/**") to the paths that exist under
// `root_fd`, resolving each step inside that root. Bounded: at most `limit` results and
// 16 directory levels for "**".
std::vector<std::string> expand_in_root(int root_fd, const std::string& pattern,
                                        std::size_t limit = 4096);

}  // namespace driftguard::agent
