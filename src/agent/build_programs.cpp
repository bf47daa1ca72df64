#include "agent/build_programs.h"

#include <sys/stat.h>

#include <set>

#include <spdlog/spdlog.h>

#include "common/kernel_dev.h"

namespace driftguard::agent {

const std::vector<std::string>& build_program_paths() {
    static const std::vector<std::string> kPaths = {
        "/usr/bin/podman",        "/usr/local/bin/podman", "/usr/bin/buildah",
        "/usr/local/bin/buildah", "/usr/bin/buildkitd",    "/usr/local/bin/buildkitd",
        "/usr/bin/dockerd",       "/usr/sbin/dockerd",     "/usr/local/bin/dockerd",
    };
    return kPaths;
}

std::vector<std::string> register_build_programs(kernel::Sensor& sensor,
                                                 const std::vector<std::string>& paths) {
    std::vector<std::string> found;
    std::vector<dg_inode_key> keys;
    std::set<std::pair<std::uint64_t, std::uint32_t>> seen;
    for (const auto& path : paths) {
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) {
            continue;
        }
        if (!S_ISREG(info.st_mode) || info.st_uid != 0 || (info.st_mode & (S_IWGRP | S_IWOTH))) {
            spdlog::warn(
                "{}: not a root-owned file only root can write; not taken as a build "
                "program",
                path);
            continue;
        }
        const auto dev = kernel_dev(info.st_dev);
        if (seen.insert({info.st_ino, dev}).second) {
            keys.push_back(dg_inode_key{info.st_ino, dev, 0});
        }
        found.push_back(path);
    }
    if (auto status = sensor.set_builder_programs(keys); !status) {
        spdlog::error(
            "cannot tell the kernel the build programs (build steps wait for the "
            "agent's decision): {}",
            status.error().message);
        return {};
    }
    return found;
}

}  // namespace driftguard::agent
