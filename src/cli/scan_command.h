#pragma once

#include <CLI/CLI.hpp>

namespace driftguard::cli {

// Registers `driftguard scan IMAGE` on `app`; the handler sets `exit_code`.
void add_scan_command(CLI::App& app, int& exit_code);

}  // namespace driftguard::cli
