#pragma once

#include <CLI/CLI.hpp>

namespace driftguard::cli {

// `driftguard agent`, `status`, `events`: the daemon and the commands that talk to it.
void add_agent_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_events_command(CLI::App& app, int& exit_code);

}  // namespace driftguard::cli
