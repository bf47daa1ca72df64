#pragma once

namespace driftguard::agent {

// Sends libbpf's own messages (loader steps, verifier failures, CO-RE relocation
// problems) to the agent's logger instead of raw stderr: warnings as warnings, the
// verifier's and loader's detail at debug level.
void route_libbpf_log();

}  // namespace driftguard::agent
