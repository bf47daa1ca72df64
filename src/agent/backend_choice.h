#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "kernel/backend_probe.h"
#include "kernel/sensor.h"

namespace driftguard::agent {

// One enforcement backend as the agent weighed it.
struct BackendOption {
    std::string name;         // "lsm", "fmod_ret", "fanotify", "kill"
    bool offered = false;     // the kernel has what it needs
    bool in_release = false;  // this build of driftguard has it
    std::string reason;       // why it was or was not taken
    // The agent may take it: the kernel offers it and this build has it.
    bool usable() const { return offered && in_release; }
};

// The enforcement backend in use and why, as `driftguard status`, the events and the
// metrics report it.
struct BackendChoice {
    std::string name;  // "lsm", "fmod_ret", "kill"
    kernel::Enforcement enforcement = kernel::Enforcement::kill;
    std::string action;                     // what happens to drift
    std::string why;                        // why this backend and not another
    std::vector<BackendOption> considered;  // every backend, best first
};

// What the kernel offers each backend (kernel/backend_probe.h); tests pass their own.
struct KernelOffers {
    std::function<kernel::Offer()> lsm = [] { return kernel::probe_bpf_lsm(); };
    std::function<kernel::Offer()> fmod_ret = kernel::probe_fmod_ret;
    std::function<kernel::Offer()> fanotify = kernel::probe_fanotify;
};

// The backend `requested` names ("" or "auto": the best one this kernel and this release
// offer), or an error naming why it cannot be had. Best first: lsm and fmod_ret (EPERM,
// nothing paid outside exec, mmap and open), fanotify (EPERM for execs, the kill backend
// for the rest; probed and reported, not in this release), kill (tracepoints on every
// system call; SIGKILL before the first instruction).
Result<BackendChoice> choose_backend(const std::string& requested, const KernelOffers& offers = {});

// The kill backend, taken because `failed` (the choice of "auto") did not load: `error`.
BackendChoice fall_back_to_kill(const BackendChoice& failed, const std::string& error);

}  // namespace driftguard::agent
