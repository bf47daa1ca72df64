#include "agent/mount_watch.h"

#include <fcntl.h>

namespace driftguard::agent {

// /proc/<pid>/mountinfo reports EPOLLPRI | EPOLLERR when its namespace's mount table changed
// since the file was last polled; polling is what acknowledges it, nothing needs reading.
// The host's namespace is init's (pid 1): the agent's own may be another (a container with
// the host's pid namespace, a systemd unit with private mounts); its own is the fallback
// where pid 1's cannot be read.
MountWatch::MountWatch() : file_(::open("/proc/1/mountinfo", O_RDONLY | O_CLOEXEC)) {
    if (!file_) {
        file_.reset(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    }
}

void MountWatch::changed() {
    burst_until_ = std::chrono::steady_clock::now() + kBurst;
}

bool MountWatch::in_burst() const {
    return std::chrono::steady_clock::now() < burst_until_;
}

}  // namespace driftguard::agent
