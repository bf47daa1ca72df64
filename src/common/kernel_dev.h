#pragma once

#include <sys/sysmacros.h>
#include <sys/types.h>

#include <cstdint>

namespace driftguard {

// The kernel's encoding of a dev_t as it appears in super_block::s_dev
// (MKDEV: major << 20 | minor), from userspace's st_dev.
inline std::uint32_t kernel_dev(dev_t st_dev) {
    return (static_cast<std::uint32_t>(major(st_dev)) << 20) |
           static_cast<std::uint32_t>(minor(st_dev));
}

}  // namespace driftguard
