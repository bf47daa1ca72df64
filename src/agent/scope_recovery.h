#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "kernel/sensor.h"
#include "runtime/container_discovery.h"

namespace driftguard::agent {

// A freshly loaded sensor saw no fork before it: a container process that had already
// left its container's root (chroot, pivot_root, new namespaces) is not recognised by its
// root, and the kernel's walk up its parents finds nothing when none of them is still in
// the root either. Such processes are found by their cgroup, which a process cannot leave
// without privileges over the host: every process that predates the sensor and shares the
// cgroup of one of the containers' processes is recorded in the kernel as that
// container's (runtime processes, e.g. runc's init stages joining a container, are left
// out). Returns how many were recorded.
std::size_t recover_escaped_processes(kernel::Sensor& sensor,
                                      const std::map<std::uint32_t, runtime::ContainerRoot>& roots,
                                      const std::string& proc = "/proc");

}  // namespace driftguard::agent
