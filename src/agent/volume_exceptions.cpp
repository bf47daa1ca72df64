#include "agent/volume_exceptions.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "agent/stable_file_digest.h"
#include "common/kernel_dev.h"
#include "common/open_in_root.h"
#include "common/unique_fd.h"
#include "policy/policy_match.h"

namespace driftguard::agent {
namespace {

constexpr int kMaxDepth = 16;

std::vector<std::string> list_directory(int root_fd, const std::string& relative) {
    std::vector<std::string> names;
    int fd = open_in_root(root_fd, relative, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return names;
    }
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        return names;
    }
    while (dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") {
            names.push_back(name);
        }
    }
    ::closedir(dir);
    return names;
}

bool has_glob(const std::string& component) {
    return component.find_first_of("*?[") != std::string::npos;
}

void walk_all(int root_fd, const std::string& relative, int depth, std::size_t limit,
              std::vector<std::string>& out) {
    if (depth > kMaxDepth) {
        return;
    }
    for (const auto& name : list_directory(root_fd, relative)) {
        if (out.size() >= limit) {
            return;
        }
        const std::string child = relative.empty() ? name : relative + "/" + name;
        out.push_back(child);
        walk_all(root_fd, child, depth + 1, limit, out);
    }
}

}  // namespace

std::vector<std::string> expand_in_root(int root_fd, const std::string& pattern,
                                        std::size_t limit) {
    std::vector<std::string> components;
    for (std::size_t start = 1; start <= pattern.size();) {
        std::size_t end = pattern.find('/', start);
        if (end == std::string::npos) {
            end = pattern.size();
        }
        if (end > start) {
            components.push_back(pattern.substr(start, end - start));
        }
        start = end + 1;
    }
    std::vector<std::string> current = {""};
    for (std::size_t i = 0; i < components.size() && !current.empty(); ++i) {
        const std::string& component = components[i];
        std::vector<std::string> next;
        for (const auto& dir : current) {
            const std::string prefix = dir.empty() ? "" : dir + "/";
            if (component == "**" && i + 1 == components.size()) {
                walk_all(root_fd, dir, 0, limit, next);
            } else if (!has_glob(component)) {
                next.push_back(prefix + component);
            } else {
                for (const auto& name : list_directory(root_fd, dir)) {
                    if (::fnmatch(component.c_str(), name.c_str(), FNM_PERIOD) == 0) {
                        next.push_back(prefix + name);
                    }
                }
            }
            if (next.size() >= limit) {
                break;
            }
        }
        current = std::move(next);
    }
    std::vector<std::string> existing;
    for (const auto& path : current) {
        const int fd = open_in_root(root_fd, path, O_PATH | O_NOFOLLOW);
        if (fd >= 0) {
            ::close(fd);
            existing.push_back("/" + path);
        }
    }
    return existing;
}

VolumeExceptions::VolumeExceptions(AllowedFiles& allowed, std::uint32_t container_dev)
    : allowed_(allowed), container_dev_(container_dev) {}

void VolumeExceptions::refresh(pid_t pid, const std::vector<policy::Exception>& exceptions) {
    std::vector<const policy::Exception*> with_paths;
    for (const auto& exception : exceptions) {
        if (!exception.paths.empty()) {
            with_paths.push_back(&exception);
        }
    }
    if (with_paths.empty()) {
        return;
    }
    UniqueFd root(::open(("/proc/" + std::to_string(pid) + "/root").c_str(),
                         O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
        return;
    }
    for (const auto* exception : with_paths) {
        for (const auto& pattern : exception->paths) {
            for (const auto& path : expand_in_root(root.get(), pattern)) {
                consider(root.get(), path, with_paths);
            }
        }
    }
}

void VolumeExceptions::consider(int root_fd, const std::string& path,
                                const std::vector<const policy::Exception*>& candidates) {
    UniqueFd fd(open_in_root(root_fd, path.substr(1), O_RDONLY | O_NOFOLLOW | O_NONBLOCK));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
        kernel_dev(info.st_dev) == container_dev_) {
        return;  // the root overlay's files are the UpperLayerVerifier's
    }
    if (allowed_.allows(info)) {
        return;  // this version of the file was hashed and allowed already
    }
    if (has_writers(fd.get())) {
        spdlog::info("volume file {}: open for writing elsewhere, not verified", path);
        return;
    }
    auto digest = stable_file_digest(fd.get());
    if (!digest) {
        spdlog::info("volume file {}: not verified: {}", path, digest.error().message);
        return;
    }
    const std::string hex = to_hex(digest->sha256);
    for (const auto* exception : candidates) {
        if (policy::path_matches(*exception, path) && policy::digest_matches(*exception, hex)) {
            if (auto status = allowed_.allow(fd.get(), digest->attributes); !status) {
                spdlog::warn("cannot allow {}: {}", path, status.error().message);
                return;
            }
            spdlog::info("volume file {}: excepted by policy ('{}')", path, exception->name);
            return;
        }
    }
}

}  // namespace driftguard::agent
