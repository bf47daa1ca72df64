#pragma once

#include <string>

namespace driftguard::agent {

// The enforcement backend in use and why, as `driftguard status` reports it.
struct BackendChoice {
    std::string name;    // "kill"
    std::string action;  // what happens to drift
    std::string why;     // why this backend and not another
};

// The kill backend (bpf_send_signal(SIGKILL) from the tracing hooks) is what this build
// enforces with. The reason names what the kernel offers for an EPERM backend: BPF-LSM
// only when "bpf" is in the active LSM list (/sys/kernel/security/lsm).
BackendChoice choose_backend(const std::string& lsm_list_path = "/sys/kernel/security/lsm");

}  // namespace driftguard::agent
