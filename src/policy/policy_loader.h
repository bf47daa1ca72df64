#pragma once

#include <string>

#include "common/result.h"
#include "policy/policy.h"

namespace driftguard::policy {

// Parses a policy document. Errors read "ORIGIN:LINE:COLUMN: what is wrong": YAML syntax,
// unknown keys (a misspelt key in a security policy must not be silently ignored), wrong
// types, unknown modes, malformed digests, rules or exceptions that select nothing.
Result<Policy> parse_policy(const std::string& text, const std::string& origin);

// Reads and parses FILE (at most 1 MiB).
Result<Policy> load_policy_file(const std::string& path);

}  // namespace driftguard::policy
