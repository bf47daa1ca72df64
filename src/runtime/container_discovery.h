#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace driftguard::runtime {

// A running container as the kernel sensor identifies it: by the overlay superblock
// that is its root filesystem.
struct ContainerRoot {
    std::uint32_t dev = 0;  // kernel s_dev of the root overlay (the sensor's key)
    pid_t pid = 0;          // one process inside it
    std::string upperdir;   // the writable layer, on the host
    // dg_container_identity() of upperdir (its inode number and generation): tells apart
    // two containers that had the same overlay device number one after the other (the
    // kernel reuses them). 0 when the upper filesystem has no generation numbers.
    std::uint64_t identity = 0;
    std::vector<std::string> lowerdirs;  // image layers, bottom first
};

// dg_container_identity() of a container's upper directory; 0 (matches any) where its
// filesystem does not report inode generations (FS_IOC_GETVERSION).
std::uint64_t upper_identity(const std::string& upperdir);

// Finds every container on the host by walking /proc: a process whose root directory is
// an overlayfs mount other than the host's own root. The overlay's layers come from the
// root entry of that process's mountinfo.
std::map<std::uint32_t, ContainerRoot> discover_containers(const std::string& proc = "/proc");

// The mount points inside the container of `pid` other than its root ("/etc/hosts",
// "/dev/shm", volumes): what is beneath them in the layers is hidden from the container.
std::vector<std::string> container_mount_points(pid_t pid, const std::string& proc = "/proc");

// Parses the super options of an overlay mount ("lowerdir=a:b,upperdir=u,workdir=w"):
// lowerdirs returned bottom first (overlayfs lists the top-most first). Handles the
// escaped "\:" and "\," of paths that contain them, and "lowerdir+" options (6.7+).
ContainerRoot parse_overlay_options(const std::string& super_options);

}  // namespace driftguard::runtime
