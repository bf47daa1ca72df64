#include "kernel/pinned_state.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "driftguard/abi.h"

namespace driftguard::kernel {
namespace {

constexpr long kBpffsMagic = 0xcafe4a11;
constexpr const char* kDefaultBpffs = "/sys/fs/bpf";

Error errno_error(const std::string& what, const std::string& path) {
    return Error{fmt::format("{} {}: {}", what, path, std::strerror(errno)), errno};
}

bool is_bpffs(const std::string& path) {
    struct statfs info {};
    return ::statfs(path.c_str(), &info) == 0 && info.f_type == kBpffsMagic;
}

// bpffs has no rmdir -r: unlink every pin, then the directories, depth first.
Status remove_tree(const std::string& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        return errno == ENOENT ? Status(Ok{}) : Status(errno_error("cannot stat", path));
    }
    if (!S_ISDIR(info.st_mode)) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return errno_error("cannot unpin", path);
        }
        return Ok{};
    }
    std::vector<std::string> children;
    if (DIR* dir = ::opendir(path.c_str())) {
        while (dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name != "." && name != "..") {
                children.push_back(path + "/" + name);
            }
        }
        ::closedir(dir);
    }
    for (const auto& child : children) {
        if (auto removed = remove_tree(child); !removed) {
            return removed;
        }
    }
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
        return errno_error("cannot remove", path);
    }
    return Ok{};
}

}  // namespace

PinnedState::PinnedState(std::string root)
    : root_(std::move(root)), version_dir_(fmt::format("abi-{}", DG_ABI_VERSION)) {}

std::string PinnedState::maps_dir() const {
    return root_ + "/" + version_dir_ + "/maps";
}
std::string PinnedState::links_dir() const {
    return root_ + "/" + version_dir_ + "/links";
}
std::string PinnedState::map_path(const std::string& map) const {
    return maps_dir() + "/" + map;
}
std::string PinnedState::link_path(const std::string& program) const {
    return links_dir() + "/" + program;
}

Status PinnedState::prepare() const {
    const std::string mount_point = std::filesystem::path(root_).parent_path();
    if (!is_bpffs(mount_point)) {
        if (mount_point != kDefaultBpffs) {
            return Error{
                fmt::format("cannot pin in {}: {} is not a bpffs mount (mount -t bpf bpf {}, or "
                            "pin under /sys/fs/bpf)",
                            root_, mount_point, mount_point),
                ENOTDIR};
        }
        if (::mount("bpf", mount_point.c_str(), "bpf", 0, "mode=0700") != 0) {
            return errno_error("cannot mount bpffs on", mount_point);
        }
    }
    for (const auto& dir : {root_, root_ + "/" + version_dir_, maps_dir(), links_dir()}) {
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
            return errno_error("cannot create", dir);
        }
    }
    return Ok{};
}

bool PinnedState::has_links() const {
    DIR* dir = ::opendir(links_dir().c_str());
    if (dir == nullptr) {
        return false;
    }
    bool found = false;
    while (dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') {
            found = true;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

std::vector<std::string> PinnedState::other_versions() const {
    std::vector<std::string> names;
    if (DIR* dir = ::opendir(root_.c_str())) {
        while (dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name != "." && name != ".." && name != version_dir_) {
                names.push_back(name);
            }
        }
        ::closedir(dir);
    }
    return names;
}

Status PinnedState::remove_version(const std::string& name) const {
    return remove_tree(root_ + "/" + name);
}

Status PinnedState::remove_all() const {
    return remove_tree(root_);
}

}  // namespace driftguard::kernel
