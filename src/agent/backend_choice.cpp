#include "agent/backend_choice.h"

#include <fstream>
#include <sstream>

namespace driftguard::agent {

BackendChoice choose_backend(const std::string& lsm_list_path) {
    BackendChoice choice;
    choice.name = "kill";
    choice.action = "SIGKILL sent in the kernel before the drifted code runs (exit 137)";
    std::ifstream file(lsm_list_path);
    std::string lsms;
    std::getline(file, lsms);
    if (!file) {
        choice.why = "BPF-LSM is unavailable: " + lsm_list_path +
                     " cannot be read (securityfs not mounted or no LSM support); the tracing "
                     "hooks work on every kernel with BTF";
    } else if (("," + lsms + ",").find(",bpf,") == std::string::npos) {
        choice.why = "BPF-LSM is not active on this kernel (active LSMs: " + lsms +
                     "); the tracing hooks work on every kernel with BTF";
    } else {
        choice.why = "BPF-LSM is active, but this build's enforcement is the kill backend";
    }
    return choice;
}

}  // namespace driftguard::agent
