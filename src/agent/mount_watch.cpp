#include "agent/mount_watch.h"

#include <fcntl.h>

namespace driftguard::agent {

// /proc/<pid>/mountinfo reports EPOLLPRI | EPOLLERR when its namespace's mount table changed
// since the file was last polled; polling is what acknowledges it, nothing needs reading.
MountWatch::MountWatch() : file_(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) {}

void MountWatch::changed() {
    burst_until_ = std::chrono::steady_clock::now() + kBurst;
}

bool MountWatch::in_burst() const {
    return std::chrono::steady_clock::now() < burst_until_;
}

}  // namespace driftguard::agent
