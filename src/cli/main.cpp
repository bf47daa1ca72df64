#include <CLI/CLI.hpp>

#include <exception>

#include <fmt/format.h>

#include "cli/agent_command.h"
#include "cli/diff_command.h"
#include "cli/exit_codes.h"
#include "cli/policy_command.h"
#include "cli/scan_command.h"
#include "cli/wait_command.h"

int main(int argc, char** argv) {
    CLI::App app{"driftguard: stops container drift (executables not in the container's image)"};
    app.set_version_flag("--version", DRIFTGUARD_VERSION);
    app.require_subcommand(1);
    int exit_code = driftguard::cli::kExitOk;
    driftguard::cli::add_scan_command(app, exit_code);
    driftguard::cli::add_agent_command(app, exit_code);
    driftguard::cli::add_status_command(app, exit_code);
    driftguard::cli::add_events_command(app, exit_code);
    driftguard::cli::add_diff_command(app, exit_code);
    driftguard::cli::add_policy_command(app, exit_code);
    driftguard::cli::add_wait_command(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForVersion& version) {
        return app.exit(version);
    } catch (const CLI::ParseError& error) {
        app.exit(error);
        return driftguard::cli::kExitUsage;
    } catch (const std::exception& error) {
        fmt::print(stderr, "driftguard: {}\n", error.what());
        return driftguard::cli::kExitFailure;
    }
    return exit_code;
}
