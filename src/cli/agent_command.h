#pragma once

#include <CLI/CLI.hpp>

namespace driftguard::cli {

// Registers `driftguard agent` on `app`; the handler sets `exit_code`.
void add_agent_command(CLI::App& app, int& exit_code);

}  // namespace driftguard::cli
