#include "agent/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace driftguard::agent {

Result<InstanceLock> InstanceLock::acquire(const std::string& state_dir) {
    std::error_code error;
    std::filesystem::create_directories(state_dir, error);
    ::chmod(state_dir.c_str(), 0700);
    const std::string path = state_dir + "/agent.lock";
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
        return Error{fmt::format("cannot open {}: {} (--state-dir must name a directory root can "
                                 "write)",
                                 path, std::strerror(errno)),
                     errno};
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = {};
        (void)::pread(fd.get(), pid, sizeof(pid) - 1, 0);
        return Error{
            fmt::format("another driftguard agent (pid {}) is running with state "
                        "directory {}: stop it first",
                        std::string(pid).substr(0, std::string(pid).find('\n')), state_dir),
            EBUSY};
    }
    const std::string text = std::to_string(::getpid()) + "\n";
    (void)::ftruncate(fd.get(), 0);
    (void)::pwrite(fd.get(), text.data(), text.size(), 0);
    return InstanceLock(std::move(fd));
}

bool InstanceLock::held(const std::string& state_dir) {
    UniqueFd fd(::open((state_dir + "/agent.lock").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        return false;
    }
    return ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0;
}

}  // namespace driftguard::agent
