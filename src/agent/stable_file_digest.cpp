#include "agent/stable_file_digest.h"

#include <unistd.h>

#include <array>
#include <cstddef>
#include <span>

#include "common/kernel_dev.h"

namespace driftguard::agent {

std::optional<StableDigest> stable_file_digest(int fd) {
    StableDigest result;
    if (::fstat(fd, &result.attributes) != 0 || !S_ISREG(result.attributes.st_mode)) {
        return std::nullopt;
    }
    Sha256 hasher;
    std::array<std::byte, 1 << 16> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            return std::nullopt;
        }
        if (got == 0) {
            break;
        }
        hasher.update(std::span(buffer).first(static_cast<std::size_t>(got)));
    }
    result.sha256 = hasher.finish();
    struct stat after {};
    if (::fstat(fd, &after) != 0 || after.st_ctim.tv_sec != result.attributes.st_ctim.tv_sec ||
        after.st_ctim.tv_nsec != result.attributes.st_ctim.tv_nsec) {
        return std::nullopt;
    }
    return result;
}

dg_inode_key inode_key(const struct stat& attributes) {
    return {static_cast<__u64>(attributes.st_ino), kernel_dev(attributes.st_dev), 0};
}

dg_allowed allowed_version(const struct stat& attributes) {
    return {attributes.st_ctim.tv_sec, static_cast<__u32>(attributes.st_ctim.tv_nsec), 0};
}

}  // namespace driftguard::agent
