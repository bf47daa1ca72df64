#include "cli/policy_command.h"

#include <memory>

#include <fmt/format.h>

#include "cli/exit_codes.h"
#include "events/event_json.h"
#include "policy/policy_loader.h"

namespace driftguard::cli {

void add_policy_command(CLI::App& app, int& exit_code) {
    auto file = std::make_shared<std::string>();
    CLI::App* policy = app.add_subcommand("policy", "Work with policy files (docs/policy.md)");
    policy->require_subcommand(1);
    CLI::App* check = policy->add_subcommand(
        "check", "Validate a policy file; prints its rules, or FILE:LINE:COLUMN: what is wrong");
    check->add_option("file", *file, "The policy file")->required();
    check->callback([file, &exit_code] {
        auto loaded = policy::load_policy_file(*file);
        if (!loaded) {
            fmt::print(stderr, "{}\n", loaded.error().message);
            exit_code = kExitUsage;
            return;
        }
        const auto& parsed = loaded.value();
        fmt::print("{}: valid (sha256 {})\n  defaultMode: {}\n", *file, parsed.digest.substr(0, 12),
                   events::mode_name(parsed.default_mode));
        for (std::size_t i = 0; i < parsed.rules.size(); ++i) {
            const auto& rule = parsed.rules[i];
            fmt::print("  rule {} '{}' (line {}): {}\n", i + 1, rule.name, rule.line,
                       events::mode_name(rule.mode));
        }
        for (const auto& exception : parsed.exceptions) {
            fmt::print("  exception '{}' (line {}): {} paths, {} digests\n", exception.name,
                       exception.line, exception.paths.size(), exception.sha256.size());
        }
    });
}

}  // namespace driftguard::cli
