#include "cli/wait_command.h"

#include <csignal>

#include "cli/exit_codes.h"

namespace driftguard::cli {

void add_wait_command(CLI::App& app, int& exit_code) {
    auto* wait =
        app.add_subcommand("wait", "Block until SIGTERM or SIGINT (a pod's idle container)");
    wait->callback([&exit_code] {
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        // Blocked, then waited for: ignored dispositions inherited from the parent do not
        // matter, and the signal is taken exactly once.
        ::sigprocmask(SIG_BLOCK, &signals, nullptr);
        int received = 0;
        ::sigwait(&signals, &received);
        exit_code = kExitOk;
    });
}

}  // namespace driftguard::cli
