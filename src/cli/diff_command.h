#pragma once

#include <CLI/CLI.hpp>

namespace driftguard::cli {

// `driftguard diff CONTAINER`: executables added, modified and removed compared with the
// container's image. Reads the container's layers itself: works with or without an agent.
void add_diff_command(CLI::App& app, int& exit_code);

}  // namespace driftguard::cli
