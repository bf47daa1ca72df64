#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kernel/container_state.h"
#include "policy/policy.h"

namespace driftguard::agent {

// One container's writtenBy exceptions, in the kernel (bpf/written_by.bpf.h): the inodes
// of the image programs they name, resolved inside the container's root (a symlink such
// as /usr/bin/ld is followed there, never out of it), and their directories by path hash.
// The kernel then lets run the files only those programs wrote, below those directories.
class WriterExceptions {
  public:
    WriterExceptions(kernel::WriterRules& rules, std::uint32_t container_dev,
                     std::uint64_t identity)
        : rules_(rules), container_dev_(container_dev), identity_(identity) {}
    ~WriterExceptions();
    WriterExceptions(const WriterExceptions&) = delete;
    WriterExceptions& operator=(const WriterExceptions&) = delete;

    // Replaces what the kernel knows for this container. At most 64 exceptions (one bit
    // each); more are logged and left out. A program not found in the image is logged.
    void apply(pid_t pid, const std::vector<policy::Exception>& exceptions);
    // The programs found at the last apply(), by their paths in the container.
    const std::set<std::string>& programs() const { return programs_; }
    // Leaves the entries in the kernel when this object goes (the pinned sensor stays).
    void keep_in_kernel() { kept_ = true; }

  private:
    void forget();

    kernel::WriterRules& rules_;
    std::uint32_t container_dev_;
    std::uint64_t identity_;
    std::set<std::string> programs_;
    // What the kernel was told at the last apply(): program inode -> bits, directory
    // hash -> bits.
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint64_t> told_programs_;
    std::map<std::uint64_t, std::uint64_t> told_directories_;
    bool kept_ = false;
};

}  // namespace driftguard::agent
