#pragma once

#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace driftguard::agent {

// One agent per state directory: an exclusive flock on <dir>/agent.lock, held for the
// agent's life (the kernel drops it when the process dies, even by SIGKILL).
class InstanceLock {
  public:
    // Fails naming the running agent's pid when another agent holds the lock.
    static Result<InstanceLock> acquire(const std::string& state_dir);
    // True when some agent holds the lock of `state_dir` now.
    static bool held(const std::string& state_dir);

  private:
    explicit InstanceLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace driftguard::agent
