#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>

#include "common/sha256.h"
#include "driftguard/abi.h"

namespace driftguard::agent {

// A file's SHA-256 together with the attributes it had while being read.
struct StableDigest {
    Sha256Digest sha256{};
    struct stat attributes {};
};

// Hashes the open regular file `fd`. Returns nothing when it cannot be read, or when its
// ctime moved while it was read (it was written to, or its attributes changed): a digest
// that may not describe the file the kernel will map is never returned.
std::optional<StableDigest> stable_file_digest(int fd);

// The dg_allowed entry (key and ctime) that lets the kernel run this exact file version.
dg_inode_key inode_key(const struct stat& attributes);
dg_allowed allowed_version(const struct stat& attributes);

}  // namespace driftguard::agent
