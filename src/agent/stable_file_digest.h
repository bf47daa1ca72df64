#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/sha256.h"
#include "driftguard/abi.h"

namespace driftguard::agent {

// A file's SHA-256 together with the attributes it had while being read.
struct StableDigest {
    Sha256Digest sha256{};
    struct stat attributes {};
};

// What the agent hashes at most of a file a container controls (an event's drifted file,
// a file an exception may name): a 15 TB sparse file must not stall the agent. Image
// files are compared at their image size instead.
inline constexpr std::uint64_t kMaxHashedBytes = 256ULL << 20;

// Hashes the open regular file `fd`. Fails (Error::code EFBIG) when it is larger than
// `max_bytes` (nothing is read then), or (ESTALE) when its ctime moved while it was read
// (it was written to, or its attributes changed): a digest that may not describe the file
// the kernel will map is never returned.
Result<StableDigest> stable_file_digest(int fd, std::uint64_t max_bytes = kMaxHashedBytes);

// True when some process holds the file open for writing or mapped shared-writable: its
// content can then change without its ctime moving (dirty pages of a mapping made
// earlier), so it must not be verified now. Tested with a read lease, which the kernel
// refuses while the file has writers; the lease is released at once.
bool has_writers(int fd);

// The dg_allowed entry (key and ctime) that lets the kernel run this exact file version.
dg_inode_key inode_key(const struct stat& attributes);
dg_allowed allowed_version(const struct stat& attributes);

}  // namespace driftguard::agent
