#include "agent/copy_up_verifier.h"

#include <fcntl.h>
#include <fts.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/kernel_dev.h"
#include "common/sha256.h"

namespace driftguard::agent {

std::string_view to_string(CopyUpVerifier::Outcome outcome) {
    switch (outcome) {
        case CopyUpVerifier::Outcome::allowed:
            return "allowed";
        case CopyUpVerifier::Outcome::not_in_image:
            return "not-in-image";
        case CopyUpVerifier::Outcome::content_differs:
            return "content-differs";
        case CopyUpVerifier::Outcome::made_executable:
            return "made-executable";
        case CopyUpVerifier::Outcome::unreadable:
            return "unreadable";
        case CopyUpVerifier::Outcome::changed_while_hashing:
            return "changed-while-hashing";
    }
    return "unreadable";
}

CopyUpVerifier::CopyUpVerifier(kernel::Sensor& sensor, const image::Inventory& inventory,
                               std::string upperdir)
    : sensor_(sensor),
      upperdir_(std::move(upperdir)),
      inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    for (const auto& executable : inventory.executables) {
        executables_.emplace(executable.path, &executable);
    }
    watch_directory("");
}

CopyUpVerifier::Outcome CopyUpVerifier::verify(const std::string& path) {
    const image::Executable* in_image = image_executable(path);
    if (in_image == nullptr) {
        return Outcome::not_in_image;
    }
    const image::Executable& expected = *in_image;
    UniqueFd fd(::open((upperdir_ + path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    struct stat before {};
    if (!fd || ::fstat(fd.get(), &before) != 0 || !S_ISREG(before.st_mode)) {
        return Outcome::unreadable;
    }
    if ((expected.mode & 0111) == 0 && (before.st_mode & 0111) != 0) {
        return Outcome::made_executable;
    }
    Sha256 hasher;
    std::array<std::byte, 1 << 16> buffer{};
    for (;;) {
        ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0) {
            return Outcome::unreadable;
        }
        if (got == 0) {
            break;
        }
        hasher.update(std::span(buffer).first(static_cast<std::size_t>(got)));
    }
    if (hasher.finish() != expected.content->sha256) {
        return Outcome::content_differs;
    }
    struct stat after {};
    if (::fstat(fd.get(), &after) != 0 || after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
        after.st_ctim.tv_nsec != before.st_ctim.tv_nsec) {
        return Outcome::changed_while_hashing;
    }
    dg_inode_key key{static_cast<__u64>(before.st_ino), kernel_dev(before.st_dev), 0};
    dg_allowed value{before.st_ctim.tv_sec, static_cast<__u32>(before.st_ctim.tv_nsec), 0};
    if (auto status = sensor_.allow_inode(key, value); !status) {
        spdlog::warn("cannot allow verified copy-up {}: {}", path, status.error().message);
        return Outcome::unreadable;
    }
    ++allowed_;
    return Outcome::allowed;
}

void CopyUpVerifier::sweep() {
    scan_subtree("");
}

void CopyUpVerifier::scan_subtree(const std::string& relative) {
    std::string root = upperdir_ + relative;
    char* paths[] = {root.data(), nullptr};
    FTS* tree = ::fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, nullptr);
    if (tree == nullptr) {
        return;
    }
    while (FTSENT* node = ::fts_read(tree)) {
        if (node->fts_info == FTS_F) {
            std::string path = std::string(node->fts_path).substr(upperdir_.size());
            if (image_executable(path) != nullptr) {
                auto outcome = verify(path);
                spdlog::info("copy-up {}: {}", path, to_string(outcome));
            }
        } else if (node->fts_info == FTS_D && node->fts_level > 0) {
            watch_directory(std::string(node->fts_path).substr(upperdir_.size()));
        }
    }
    ::fts_close(tree);
}

void CopyUpVerifier::watch_directory(const std::string& relative) {
    if (!inotify_) {
        return;
    }
    int wd = ::inotify_add_watch(
        inotify_.get(), (upperdir_ + relative).c_str(),
        IN_CREATE | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd >= 0) {
        watches_[wd] = relative;
    }
}

void CopyUpVerifier::handle_watch_events() {
    alignas(inotify_event) std::array<char, 16384> buffer{};
    for (;;) {
        ssize_t length = ::read(inotify_.get(), buffer.data(), buffer.size());
        if (length <= 0) {
            return;
        }
        for (ssize_t offset = 0; offset < length;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
            offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            auto watch = watches_.find(event->wd);
            if (watch == watches_.end() || event->len == 0) {
                continue;
            }
            const std::string path = watch->second + "/" + event->name;
            if (event->mask & IN_ISDIR) {
                if (event->mask & (IN_CREATE | IN_MOVED_TO)) {
                    // Files may have landed in it before the watch existed.
                    watch_directory(path);
                    scan_subtree(path);
                }
                continue;
            }
            if (image_executable(path) != nullptr) {
                auto outcome = verify(path);
                spdlog::info("copy-up {}: {}", path, to_string(outcome));
            }
        }
    }
}

}  // namespace driftguard::agent
