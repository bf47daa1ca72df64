#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"
#include "runtime/container_metadata.h"

namespace driftguard::policy {

bool selects(const Selector& selector, const runtime::ContainerMetadata& container);

// The mode of a container and why: the first rule that selects it, else the default.
struct ModeDecision {
    dg_mode mode = DG_MODE_ENFORCE;
    std::string reason;  // "rule 'wordpress-audit' (line 7)" or "defaultMode"
    bool deny_anonymous_exec = false;
    // The sensor's DG_POLICY_* flags for this decision.
    std::uint32_t sensor_flags() const {
        return deny_anonymous_exec ? DG_POLICY_DENY_ANON_EXEC : 0;
    }
};
ModeDecision decide_mode(const Policy& policy, const runtime::ContainerMetadata& container);

// The mode of an image build step before the agent has looked at it (the kernel knows only
// that a build program started it): the strictest mode of the rules that select builds,
// off when none does.
dg_mode build_default_mode(const Policy& policy);

// The exceptions whose selector matches the container.
std::vector<Exception> exceptions_for(const Policy& policy,
                                      const runtime::ContainerMetadata& container);

// True when a file at `path` (inside the container) matches one of the exception's path
// globs, or the exception has none. "*" does not cross "/"; a pattern ending in "/**"
// matches everything below its directory.
bool path_matches(const Exception& exception, const std::string& path);
// True when `sha256_hex` is one of the exception's digests, or the exception has none.
bool digest_matches(const Exception& exception, const std::string& sha256_hex);

}  // namespace driftguard::policy
