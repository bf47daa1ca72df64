#pragma once

#include <string>
#include <vector>

#include "kernel/sensor.h"

namespace driftguard::agent {

// The host programs that start image build steps themselves: podman and buildah (podman
// build, buildah run: the step's first process is their child) and BuildKit's daemons
// (buildkitd, and dockerd's built-in BuildKit: through runc, their grandchild). Workload
// runtimes (conmon, containerd's shim) are not among them.
const std::vector<std::string>& build_program_paths();

// Tells the kernel the inodes of the build programs found on the host that are root-owned
// regular files not writable by group or others, so that a build step is judged with the
// build mode from its first instruction, before the agent has looked at it. Returns the
// paths told.
std::vector<std::string> register_build_programs(
    kernel::Sensor& sensor, const std::vector<std::string>& paths = build_program_paths());

}  // namespace driftguard::agent
