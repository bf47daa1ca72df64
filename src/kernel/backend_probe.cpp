#include "kernel/backend_probe.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/unique_fd.h"
#include "kernel/skeletons.h"

namespace driftguard::kernel {
namespace {

// Loads (never attaches) one probe program of bpf/backend_probes.bpf.c: the lsm one or
// the fmod_ret one.
Offer load_probe(bool lsm) {
    // A refusal is the answer, not a problem: libbpf's own report of it is not logged.
    const libbpf_print_fn_t previous = libbpf_set_print(nullptr);
    Offer offer{true, ""};
    auto probes = BackendProbesProgram::open("backend_probes");
    if (!probes) {
        offer = {false, probes.error().message};
    } else {
        bpf_program__set_autoload(probes.value()->progs.dg_probe_lsm, lsm);
        bpf_program__set_autoload(probes.value()->progs.dg_probe_fmod, !lsm);
        if (auto loaded = probes.value().load(); !loaded) {
            offer = {false, loaded.error().message};
        }
    }
    libbpf_set_print(previous);
    return offer;
}

}  // namespace

Offer probe_bpf_lsm(const std::string& lsm_list_path) {
    // The list lives in securityfs, which distributions mount at boot and minimal hosts
    // may not: mount it where it belongs (harmless if it cannot be, e.g. a read-only /sys).
    if (lsm_list_path == kDefaultLsmList && ::access(lsm_list_path.c_str(), R_OK) != 0) {
        (void)::mount("securityfs", "/sys/kernel/security", "securityfs", 0, nullptr);
    }
    std::ifstream file(lsm_list_path);
    std::string lsms;
    std::getline(file, lsms);
    if (!file) {
        return {false, lsm_list_path + " cannot be read (securityfs not mounted, or no LSMs)"};
    }
    if (("," + lsms + ",").find(",bpf,") == std::string::npos) {
        return {false, "BPF-LSM is not active (active LSMs: " + lsms +
                           "; it needs \"bpf\" in the kernel's lsm= list)"};
    }
    if (auto loaded = load_probe(true); !loaded.available) {
        return {false, "BPF-LSM is active but an lsm program does not load: " + loaded.reason};
    }
    return {true, "BPF-LSM is active (" + lsms + ") and lsm programs load"};
}

Offer probe_fmod_ret() {
    if (auto loaded = load_probe(false); !loaded.available) {
        return {false, "fmod_ret on security_file_open does not load: " + loaded.reason};
    }
    return {true, "fmod_ret programs on security_* functions load (BPF trampolines work)"};
}

Offer probe_fanotify() {
    UniqueFd fd(::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE));
    if (!fd) {
        return {false,
                std::string("fanotify_init(FAN_CLASS_CONTENT) fails: ") + std::strerror(errno)};
    }
    return {true, "fanotify permission events are available"};
}

}  // namespace driftguard::kernel
