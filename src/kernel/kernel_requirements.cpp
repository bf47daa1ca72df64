#include "kernel/kernel_requirements.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

namespace driftguard::kernel {

Status check_kernel_requirements(const std::string& release, const std::string& btf_path) {
    if (::access(btf_path.c_str(), R_OK) != 0) {
        return Error{fmt::format("this kernel has no BTF ({} is missing): driftguard needs a "
                                 "kernel built with CONFIG_DEBUG_INFO_BTF=y",
                                 btf_path),
                     ENOENT};
    }
    int major = 0;
    int minor = 0;
    if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) {
        return Error{fmt::format("cannot read the kernel version from '{}'", release), EINVAL};
    }
    if (major < kMinimumKernelMajor ||
        (major == kMinimumKernelMajor && minor < kMinimumKernelMinor)) {
        return Error{fmt::format("kernel {} is too old: driftguard needs Linux {}.{} or later",
                                 release, kMinimumKernelMajor, kMinimumKernelMinor),
                     ENOSYS};
    }
    return Ok{};
}

std::string running_kernel_release() {
    utsname name{};
    return ::uname(&name) == 0 ? name.release : "";
}

}  // namespace driftguard::kernel
