#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <utility>

#include "common/result.h"
#include "kernel/allowed_inodes.h"

namespace driftguard::agent {

// The dg_allowed entries one container's verification added. They are removed when the
// container goes, so the kernel map holds only files of running containers. One container
// gets at most kMaxPerContainer of the map's 65,536 entries, so it cannot use up the room
// other containers' verified copy-ups need (past it, its files stay drift: fails closed).
class AllowedFiles {
  public:
    static constexpr std::size_t kMaxPerContainer = 8192;

    using Key = std::pair<std::uint64_t, std::uint32_t>;     // inode, kernel dev
    using Version = std::pair<std::int64_t, std::uint32_t>;  // ctime seconds, nanoseconds

    explicit AllowedFiles(kernel::AllowedInodes& map) : map_(map) {}
    ~AllowedFiles();
    AllowedFiles(const AllowedFiles&) = delete;
    AllowedFiles& operator=(const AllowedFiles&) = delete;

    // Lets the kernel run this exact version (inode and ctime) of the file open at `fd`.
    // A writer that opened it after the caller last looked, and before the entry existed,
    // was not seen by the kernel's revocation: the file is looked at again once the entry
    // is in place, and a writer there takes the entry back (Error::code ETXTBSY).
    Status allow(int fd, const struct stat& attributes);
    // Takes an allowance back (the file may have changed since it was verified).
    void revoke(const struct stat& attributes);
    // True when this version of the file is allowed already.
    bool allows(const struct stat& attributes) const;
    std::size_t size() const { return entries_.size(); }
    // Leaves the entries in the kernel when this object goes: the agent stops while the
    // pinned sensor goes on enforcing, and the next agent adopts them.
    void keep_in_kernel() { entries_.clear(); }
    const std::map<Key, Version>& entries() const { return entries_; }

  private:
    kernel::AllowedInodes& map_;
    std::map<Key, Version> entries_;
};

}  // namespace driftguard::agent
