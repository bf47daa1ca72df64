#pragma once

#include <CLI/CLI.hpp>

namespace driftguard::cli {

// `driftguard policy check FILE`: validates a policy offline, as the agent would.
void add_policy_command(CLI::App& app, int& exit_code);

}  // namespace driftguard::cli
