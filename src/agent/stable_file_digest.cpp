#include "agent/stable_file_digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <array>
#include <cstddef>
#include <span>

#include "common/kernel_dev.h"

namespace driftguard::agent {

Result<StableDigest> stable_file_digest(int fd, std::uint64_t max_bytes) {
    StableDigest result;
    if (::fstat(fd, &result.attributes) != 0 || !S_ISREG(result.attributes.st_mode)) {
        return Error{"not a readable regular file", EINVAL};
    }
    if (static_cast<std::uint64_t>(result.attributes.st_size) > max_bytes) {
        return Error{"larger than the " + std::to_string(max_bytes >> 20) + " MiB hashing limit",
                     EFBIG};
    }
    Sha256 hasher;
    std::array<std::byte, 1 << 16> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            return Error{"read failed", errno};
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
        return Error{"the file changed while it was read", ESTALE};
    }
    return result;
}

namespace {

bool has_writers_now(int fd) {
    if (::fcntl(fd, F_SETLEASE, F_RDLCK) != 0) {
        // EAGAIN: open for writing somewhere. Other errors (a filesystem without leases)
        // prove nothing either way; the kernel still refuses an allowance while a writer
        // holds the file (dg_is_allowed).
        return errno == EAGAIN || errno == EBUSY;
    }
    ::fcntl(fd, F_SETLEASE, F_UNLCK);
    return false;
}

}  // namespace

bool has_writers(int fd) {
    // The kernel releases a file written during a system call (a copy-up's data copy) when
    // the calling task returns to user mode, which may be a moment after inotify woke the
    // agent: a writer seen at once is looked for again a few times before it counts.
    for (int attempt = 0; attempt < 10; ++attempt) {
        if (!has_writers_now(fd)) {
            return false;
        }
        ::usleep(1000);
    }
    return true;
}

dg_inode_key inode_key(const struct stat& attributes) {
    return {static_cast<__u64>(attributes.st_ino), kernel_dev(attributes.st_dev), 0};
}

dg_allowed allowed_version(const struct stat& attributes) {
    return {attributes.st_ctim.tv_sec, static_cast<__u32>(attributes.st_ctim.tv_nsec), 0};
}

}  // namespace driftguard::agent
