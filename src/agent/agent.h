#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "driftguard/abi.h"

namespace driftguard::agent {

struct AgentOptions {
    dg_mode mode = DG_MODE_ENFORCE;    // for every container (policy arrives with its own issue)
    std::uint32_t only_container = 0;  // test scope: judge only this container key (0: all)
    int discovery_interval_ms = 1000;  // how often /proc is walked for new containers
};

// Runs the sensor and the kill backend in the foreground until SIGINT or SIGTERM:
// discovers containers, verifies copied-up image files, writes one JSON line per drift
// event to `events`, logs to stderr. Returns the process exit code.
int run_agent(const AgentOptions& options, std::ostream& events);

}  // namespace driftguard::agent
