#include "agent/allowed_files.h"

#include "agent/stable_file_digest.h"
#include "common/kernel_dev.h"

namespace driftguard::agent {

AllowedFiles::~AllowedFiles() {
    for (const auto& [key, version] : entries_) {
        (void)sensor_.forget_inode(dg_inode_key{key.first, key.second, 0});
    }
}

Status AllowedFiles::allow(const struct stat& attributes) {
    const dg_inode_key key = inode_key(attributes);
    const dg_allowed value = allowed_version(attributes);
    if (auto status = sensor_.allow_inode(key, value); !status) {
        return status;
    }
    entries_[{key.ino, key.dev}] = Version(value.ctime_sec, value.ctime_nsec);
    return Ok{};
}

bool AllowedFiles::allows(const struct stat& attributes) const {
    const dg_inode_key key = inode_key(attributes);
    const dg_allowed value = allowed_version(attributes);
    auto found = entries_.find({key.ino, key.dev});
    return found != entries_.end() && found->second == Version(value.ctime_sec, value.ctime_nsec);
}

}  // namespace driftguard::agent
