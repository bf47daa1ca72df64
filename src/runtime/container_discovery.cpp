#include "runtime/container_discovery.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/kernel_dev.h"
#include "common/unique_fd.h"
#include "driftguard/abi.h"

namespace driftguard::runtime {
namespace {

constexpr long kOverlayfsMagic = 0x794c7630;

// Splits at unescaped `separator`s. With `keep_escapes`, a backslash and the character it
// escapes stay as they are (for a second split of the parts at another separator);
// without, the escapes are removed.
std::vector<std::string> split_escaped(const std::string& text, char separator,
                                       bool keep_escapes = false) {
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            if (keep_escapes) {
                parts.back() += text[i];
            }
            parts.back() += text[++i];
        } else if (text[i] == separator) {
            parts.emplace_back();
        } else {
            parts.back() += text[i];
        }
    }
    return parts;
}

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string unescape_mountinfo(const std::string& text) {
    std::string result;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size() + 0 &&
            std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
            result += static_cast<char>(std::stoi(text.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            result += text[i];
        }
    }
    return result;
}

// The super options of the mount at "/" in /proc/<pid>/mountinfo, if it is overlay.
std::string root_overlay_options(const std::string& mountinfo_path) {
    std::ifstream mountinfo(mountinfo_path);
    std::string line;
    std::string options;
    while (std::getline(mountinfo, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (mount_point != "/") {
            continue;
        }
        auto separator = line.find(" - ");
        if (separator == std::string::npos) {
            continue;
        }
        std::istringstream tail(line.substr(separator + 3));
        std::string fstype, source, super_options;
        tail >> fstype >> source >> super_options;
        if (fstype == "overlay") {
            options = super_options;  // the last "/" mount is the visible one
        }
    }
    return options;
}

}  // namespace

std::vector<std::string> container_mount_points(pid_t pid, const std::string& proc) {
    std::vector<std::string> points;
    std::ifstream mountinfo(proc + "/" + std::to_string(pid) + "/mountinfo");
    std::string line;
    while (std::getline(mountinfo, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (mount_point.starts_with("/") && mount_point != "/") {
            points.push_back(unescape_mountinfo(mount_point));
        }
    }
    return points;
}

ContainerRoot parse_overlay_options(const std::string& super_options) {
    ContainerRoot root;
    std::vector<std::string> top_first;
    // "lowerdir=/a\:b:/c,upperdir=/x\,y": the options split at unescaped commas, the
    // lowerdirs then at unescaped colons.
    for (const std::string& option : split_escaped(unescape_mountinfo(super_options), ',', true)) {
        if (option.starts_with("lowerdir=")) {
            for (const std::string& dir : split_escaped(option.substr(9), ':')) {
                if (!dir.empty()) {
                    top_first.push_back(dir);
                }
            }
        } else if (option.starts_with("lowerdir+=")) {
            top_first.push_back(split_escaped(option.substr(10), '\0').front());
        } else if (option.starts_with("upperdir=")) {
            root.upperdir = split_escaped(option.substr(9), '\0').front();
        }
    }
    root.lowerdirs.assign(top_first.rbegin(), top_first.rend());
    return root;
}

std::uint64_t upper_identity(const std::string& upperdir) {
    if (upperdir.empty()) {
        return 0;
    }
    UniqueFd fd(::open(upperdir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat info {};
    long generation = 0;
    if (!fd || ::fstat(fd.get(), &info) != 0 ||
        ::ioctl(fd.get(), FS_IOC_GETVERSION, &generation) != 0) {
        return 0;
    }
    return dg_container_identity(info.st_ino, static_cast<__u32>(generation));
}

std::map<std::uint32_t, ContainerRoot> discover_containers(const std::string& proc) {
    std::map<std::uint32_t, ContainerRoot> containers;
    struct stat host_root {};
    ::stat("/", &host_root);
    DIR* directory = ::opendir(proc.c_str());
    if (directory == nullptr) {
        return containers;
    }
    while (dirent* entry = ::readdir(directory)) {
        const std::string name = entry->d_name;
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) {
            continue;
        }
        const std::string root_path = proc + "/" + name + "/root";
        struct statfs fs {};
        struct stat info {};
        if (::statfs(root_path.c_str(), &fs) != 0 || fs.f_type != kOverlayfsMagic ||
            ::stat(root_path.c_str(), &info) != 0 || info.st_dev == host_root.st_dev) {
            continue;
        }
        const std::uint32_t dev = kernel_dev(info.st_dev);
        if (containers.count(dev) != 0) {
            continue;
        }
        ContainerRoot root =
            parse_overlay_options(root_overlay_options(proc + "/" + name + "/mountinfo"));
        root.dev = dev;
        root.pid = static_cast<pid_t>(std::stol(name));
        root.identity = upper_identity(root.upperdir);
        containers.emplace(dev, std::move(root));
    }
    ::closedir(directory);
    return containers;
}

}  // namespace driftguard::runtime
