#include "kernel/tracefs.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace driftguard::kernel {

Status ensure_tracefs() {
    for (const char* events : {"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"}) {
        if (::access(events, R_OK) == 0) {
            return Ok{};
        }
    }
    if (::mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) != 0) {
        return Error{fmt::format("mount tracefs at /sys/kernel/tracing: {}", std::strerror(errno)),
                     errno};
    }
    return Ok{};
}

}  // namespace driftguard::kernel
