#pragma once

#include <string>
#include <vector>

#include "agent/allowed_files.h"

namespace driftguard::agent {

// The init programs container runtimes bind-mount from the host into a container:
// `podman run --init` (catatonit, at /run/podman-init inside), `docker run --init`
// (docker-init, at /sbin/docker-init inside). They are not in any image, yet they are the
// runtime's, not the container's: read-only bind mounts of root-owned host files at the
// runtimes' documented install paths. A bind mount shares the host file's inode, so
// allowing that inode (at its current ctime) lets the container run it and nothing else:
// nothing inside the container can change which host file that is, and a change to the
// file itself moves its ctime and voids the allowance.
const std::vector<std::string>& runtime_init_paths();

// Allows, in `allowed`, each runtime init binary found on the host that is a root-owned
// regular file not writable by group or others. Returns the paths allowed.
std::vector<std::string> allow_runtime_init_binaries(
    AllowedFiles& allowed, const std::vector<std::string>& paths = runtime_init_paths());

}  // namespace driftguard::agent
