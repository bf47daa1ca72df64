#pragma once

#include <chrono>

#include "common/unique_fd.h"

namespace driftguard::agent {

// Tells when the host's mount table changed: a runtime mounts a new container's root
// overlay (in the host's mount namespace) just before it starts the container's first
// process. The agent then looks for new containers every few milliseconds for a while
// instead of once a second, so a container's policy (its mode and exceptions) is in the
// kernel before its entrypoint has done much. The kernel's verdict never waits for this:
// until then the default mode applies.
class MountWatch {
  public:
    // Watches the mount table of the host's mount namespace (init's).
    MountWatch();

    // Poll it for EPOLLPRI; -1 when no mountinfo could be opened.
    int fd() const { return file_.get(); }
    // The mount table changed: look quickly until `burst` from now.
    void changed();
    // True while looking quickly.
    bool in_burst() const;

    static constexpr std::chrono::milliseconds kBurst{3000};
    static constexpr std::chrono::milliseconds kBurstInterval{25};

  private:
    UniqueFd file_;
    std::chrono::steady_clock::time_point burst_until_{};
};

}  // namespace driftguard::agent
