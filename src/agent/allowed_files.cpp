#include "agent/allowed_files.h"

#include <cerrno>
#include <string>

#include "agent/stable_file_digest.h"
#include "common/kernel_dev.h"

namespace driftguard::agent {

AllowedFiles::~AllowedFiles() {
    for (const auto& [key, version] : entries_) {
        (void)map_.forget_inode(dg_inode_key{key.first, key.second, 0});
    }
}

Status AllowedFiles::allow(int fd, const struct stat& attributes) {
    const dg_inode_key key = inode_key(attributes);
    const dg_allowed value = allowed_version(attributes);
    if (entries_.size() >= kMaxPerContainer && !entries_.contains({key.ino, key.dev})) {
        return Error{"this container has " + std::to_string(kMaxPerContainer) +
                         " allowed files already (its share of dg_allowed); the file stays drift",
                     ENOSPC};
    }
    if (auto status = map_.allow_inode(key, value); !status) {
        return status;
    }
    entries_[{key.ino, key.dev}] = Version(value.ctime_sec, value.ctime_nsec);
    if (has_writers(fd)) {
        revoke(attributes);
        return Error{"open for writing elsewhere", ETXTBSY};
    }
    return Ok{};
}

void AllowedFiles::revoke(const struct stat& attributes) {
    const dg_inode_key key = inode_key(attributes);
    (void)map_.forget_inode(key);
    entries_.erase({key.ino, key.dev});
}

bool AllowedFiles::allows(const struct stat& attributes) const {
    const dg_inode_key key = inode_key(attributes);
    const dg_allowed value = allowed_version(attributes);
    auto found = entries_.find({key.ino, key.dev});
    return found != entries_.end() && found->second == Version(value.ctime_sec, value.ctime_nsec);
}

}  // namespace driftguard::agent
