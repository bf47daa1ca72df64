#pragma once

#include <string>

namespace driftguard::kernel {

// Whether the kernel offers what an enforcement backend needs, and in a sentence why not.
struct Offer {
    bool available = false;
    std::string reason;  // what was found: "BPF-LSM is active (lsm: ...)", "... refused: EPERM"
};

// BPF-LSM: "bpf" in the active LSM list (`lsm_list_path`, securityfs) and an lsm program
// loads.
inline constexpr const char* kDefaultLsmList = "/sys/kernel/security/lsm";
Offer probe_bpf_lsm(const std::string& lsm_list_path = kDefaultLsmList);
// fmod_ret on security_* functions: a program that modifies security_file_open's return
// value loads (BPF trampolines work and the function can be traced).
Offer probe_fmod_ret();
// fanotify permission events: fanotify_init(FAN_CLASS_CONTENT) succeeds.
Offer probe_fanotify();

}  // namespace driftguard::kernel
