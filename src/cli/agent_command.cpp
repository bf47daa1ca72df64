#include "cli/agent_command.h"

#include <iostream>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "agent/agent.h"
#include "cli/exit_codes.h"
#include "policy/policy_modes.h"

namespace driftguard::cli {

void add_agent_command(CLI::App& app, int& exit_code) {
    struct Arguments {
        std::string mode = "enforce";
        std::string policy;
        std::uint32_t only_container = 0;
        std::string pin_root = agent::kDefaultPinRoot;
        std::string state_dir = agent::kDefaultStateDir;
        bool no_pin = false;
        bool uninstall = false;
        std::string events_file;
        bool events_stdout = false;
        std::uint64_t events_max_mib = 64;
        unsigned events_keep = 5;
        std::string output_format = "driftguard";
        std::string backend = "auto";
        std::string metrics = "127.0.0.1:9464";
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* agent = app.add_subcommand(
        "agent",
        "Run the drift sensor and enforcement (foreground daemon, logs on stderr, "
        "events on stdout)");
    agent
        ->add_option("--mode", arguments->mode,
                     "Without --policy: enforce (kill drift before it runs), audit (report "
                     "only) or off")
        ->check(CLI::IsMember({"enforce", "audit", "off"}))
        ->capture_default_str();
    agent->add_option("--policy", arguments->policy,
                      "Policy file (docs/policy.md); reloaded when it changes and on SIGHUP");
    agent->add_option("--only-container", arguments->only_container,
                      "Judge only the container whose root overlay has this kernel device number "
                      "(trying a new policy or build on one container)");
    agent
        ->add_option("--pin-dir", arguments->pin_root,
                     "bpffs directory where the sensor stays pinned across agent restarts")
        ->capture_default_str();
    agent
        ->add_option("--state-dir", arguments->state_dir,
                     "Directory of the control socket and the instance lock")
        ->capture_default_str();
    agent->add_flag("--no-pin", arguments->no_pin,
                    "Do not pin: enforcement ends when the agent stops");
    agent->add_option("--events-file", arguments->events_file,
                      "Write events to this file instead of stdout, rotated by size");
    agent->add_flag("--events-stdout", arguments->events_stdout,
                    "With --events-file: write each event to stdout as well (for a cluster's "
                    "log pipeline)");
    agent
        ->add_option("--events-max-size", arguments->events_max_mib,
                     "Rotate the events file at this many MiB")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    agent->add_option("--events-keep", arguments->events_keep, "Rotated event files kept")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    agent
        ->add_option("--backend", arguments->backend,
                     "Enforcement backend: auto (the best this kernel offers), lsm, fmod_ret, "
                     "fanotify or kill; one that cannot be had here is refused, naming why")
        ->check(CLI::IsMember({"auto", "lsm", "fmod_ret", "fanotify", "kill"}))
        ->capture_default_str();
    agent
        ->add_option("--output-format", arguments->output_format,
                     "driftguard (docs/events.md) or falco (Falco's json_output shape)")
        ->check(CLI::IsMember({"driftguard", "falco"}))
        ->capture_default_str();
    agent
        ->add_option("--metrics", arguments->metrics,
                     "Serve Prometheus /metrics on HOST:PORT (port 0: any free port); 'off' "
                     "for none")
        ->capture_default_str();
    agent->add_flag("--uninstall", arguments->uninstall,
                    "Remove the pinned sensor (detaching its programs) and exit");
    agent->callback([arguments, &exit_code] {
        spdlog::set_default_logger(spdlog::stderr_color_mt("driftguard"));
        if (arguments->uninstall) {
            exit_code = agent::uninstall(arguments->pin_root, arguments->state_dir);
            return;
        }
        agent::AgentOptions options;
        options.mode = *policy::parse_mode(arguments->mode);
        options.policy_path = arguments->policy;
        options.only_container = arguments->only_container;
        options.pin_root = arguments->no_pin ? "" : arguments->pin_root;
        options.state_dir = arguments->state_dir;
        options.events_path = arguments->events_file;
        options.events_also_stdout = arguments->events_stdout;
        options.events_max_bytes = arguments->events_max_mib << 20;
        options.events_keep = arguments->events_keep;
        options.falco_output = arguments->output_format == "falco";
        options.backend = arguments->backend;
        options.metrics_address = arguments->metrics == "off" ? "" : arguments->metrics;
        // stdout carries the events; logs go to stderr.
        exit_code = agent::run_agent(options, std::cout);
    });
}

}  // namespace driftguard::cli
