#include "agent/runtime_init_binaries.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "common/unique_fd.h"

namespace driftguard::agent {

const std::vector<std::string>& runtime_init_paths() {
    static const std::vector<std::string> kPaths = {
        "/usr/libexec/podman/catatonit",  // podman's init_path default (containers.conf)
        "/usr/bin/docker-init",           // dockerd's --init-path default (tini)
        "/usr/libexec/docker/docker-init",
    };
    return kPaths;
}

std::vector<std::string> allow_runtime_init_binaries(AllowedFiles& allowed,
                                                     const std::vector<std::string>& paths) {
    std::vector<std::string> done;
    for (const auto& path : paths) {
        // Follows the install's own symlinks (catatonit's is one), then checks the file.
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        struct stat info {};
        if (!fd || ::fstat(fd.get(), &info) != 0) {
            continue;
        }
        if (!S_ISREG(info.st_mode) || info.st_uid != 0 || (info.st_mode & (S_IWGRP | S_IWOTH))) {
            spdlog::warn(
                "{}: not a root-owned file only root can write; not allowed as a "
                "runtime's init",
                path);
            continue;
        }
        if (auto status = allowed.allow(fd.get(), info); !status) {
            spdlog::warn("{}: cannot allow it: {}", path, status.error().message);
            continue;
        }
        done.push_back(path);
    }
    return done;
}

}  // namespace driftguard::agent
