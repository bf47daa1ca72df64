#include "cli/wait_command.h"

#include <csignal>

#include "cli/exit_codes.h"

namespace driftguard::cli {

void add_wait_command(CLI::App& app, int& exit_code) {
    auto* wait =
        app.add_subcommand("wait", "Block until SIGTERM or SIGINT (a pod's idle container)");
    wait->callback([&exit_code] {
        // As the agent does: dispositions inherited as ignored go back to the default, then
        // the signals are blocked and taken with sigwait, exactly once.
        sigset_t signals;
        sigemptyset(&signals);
        for (int signal : {SIGTERM, SIGINT}) {
            (void)::signal(signal, SIG_DFL);
            sigaddset(&signals, signal);
        }
        ::sigprocmask(SIG_BLOCK, &signals, nullptr);
        int received = 0;
        ::sigwait(&signals, &received);
        exit_code = kExitOk;
    });
}

}  // namespace driftguard::cli
