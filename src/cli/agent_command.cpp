#include "cli/agent_command.h"

#include <iostream>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "agent/agent.h"

namespace driftguard::cli {

void add_agent_command(CLI::App& app, int& exit_code) {
    struct Arguments {
        std::string mode = "enforce";
        std::uint32_t only_container = 0;
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* agent =
        app.add_subcommand("agent", "Run the drift sensor and enforcement in the foreground");
    agent
        ->add_option("--mode", arguments->mode,
                     "enforce: kill drift before it runs; audit: report only")
        ->check(CLI::IsMember({"enforce", "audit"}))
        ->capture_default_str();
    agent->add_option("--only-container", arguments->only_container,
                      "Judge only the container whose root overlay has this kernel device number "
                      "(testing a new policy on one container)");
    agent->callback([arguments, &exit_code] {
        agent::AgentOptions options;
        options.mode = arguments->mode == "audit" ? DG_MODE_AUDIT : DG_MODE_ENFORCE;
        options.only_container = arguments->only_container;
        // stdout carries the events; logs go to stderr.
        spdlog::set_default_logger(spdlog::stderr_color_mt("driftguard"));
        exit_code = agent::run_agent(options, std::cout);
    });
}

}  // namespace driftguard::cli
