#pragma once

#include "common/result.h"
#include "driftguard/abi.h"

namespace driftguard::kernel {

// The kernel's map of files that may run although their data is not the image's layers'
// (dg_allowed: verified copy-ups, excepted files), as the agent's classes see it: the
// Sensor implements it; unit tests give a map of their own.
class AllowedInodes {
  public:
    virtual ~AllowedInodes() = default;
    // Lets the kernel run this inode while its ctime is the one in `value`.
    virtual Status allow_inode(const dg_inode_key& key, const dg_allowed& value) = 0;
    // Takes it back (no error when it was not there).
    virtual Status forget_inode(const dg_inode_key& key) = 0;
};

}  // namespace driftguard::kernel
