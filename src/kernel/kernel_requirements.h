#pragma once

#include <string>

#include "common/result.h"

namespace driftguard::kernel {

// The oldest kernel the sensor loads on: bpf_find_vma (5.17) judges an exec's entry
// mapping and mprotect ranges; BTF-typed tracepoints, ring buffers and task storage are
// older.
inline constexpr int kMinimumKernelMajor = 5;
inline constexpr int kMinimumKernelMinor = 17;

// Checks, before anything is loaded, what the sensor cannot do without: the kernel's
// BTF at `btf_path` and a kernel `release` (uname -r) at least 5.17. The error is one line
// that names the fix.
Status check_kernel_requirements(const std::string& release,
                                 const std::string& btf_path = "/sys/kernel/btf/vmlinux");

// uname -r of the running kernel.
std::string running_kernel_release();

}  // namespace driftguard::kernel
