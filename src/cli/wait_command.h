#pragma once

#include <CLI/CLI.hpp>

namespace driftguard::cli {

// `driftguard wait`: blocks until SIGTERM or SIGINT, then exits 0. The agent image has no
// shell and no sleep; a pod that has finished its work in an init container (the
// uninstall DaemonSet) stays Running on it until it is deleted.
void add_wait_command(CLI::App& app, int& exit_code);

}  // namespace driftguard::cli
