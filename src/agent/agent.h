#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "driftguard/abi.h"

namespace driftguard::agent {

inline constexpr const char* kDefaultPinRoot = "/sys/fs/bpf/driftguard";
inline constexpr const char* kDefaultStateDir = "/run/driftguard";

struct AgentOptions {
    // The policy file (hot-reloaded); empty: every container gets `mode`.
    std::string policy_path;
    dg_mode mode = DG_MODE_ENFORCE;    // without a policy file
    std::uint32_t only_container = 0;  // test scope: judge only this container key (0: all)
    int discovery_interval_ms = 1000;  // how often /proc is walked for new containers
    std::string backend = "auto";      // the enforcement backend (backend_choice.h)
    // bpffs directory for the pinned sensor; empty: nothing pinned, enforcement ends with
    // the agent.
    std::string pin_root = kDefaultPinRoot;
    // Holds the control socket (driftguard.sock) and the instance lock.
    std::string state_dir = kDefaultStateDir;
    bool ask_podman = true;  // read podman's labels and pod names through its CLI
    // Events: "" or "-" for stdout, else a file rotated at events_max_bytes.
    std::string events_path;
    bool events_also_stdout = false;  // with events_path: stdout too (a cluster's log pipeline)
    std::uint64_t events_max_bytes = 64ULL << 20;
    unsigned events_keep = 5;
    bool falco_output = false;  // Falco's json_output shape instead of driftguard's
    // Prometheus /metrics; "" to serve none.
    std::string metrics_address = "127.0.0.1:9464";
};

// Runs the sensor and the kill backend in the foreground until SIGINT or SIGTERM:
// discovers containers, applies the policy, verifies copied-up image files, answers the
// control socket, writes one JSON line per drift event to `events`, logs to stderr.
// Returns the process exit code.
int run_agent(const AgentOptions& options, std::ostream& events);

// Removes the pinned sensor (detaching its programs) under `pin_root`. Refuses while an
// agent holds the lock of `state_dir`.
int uninstall(const std::string& pin_root, const std::string& state_dir);

}  // namespace driftguard::agent
