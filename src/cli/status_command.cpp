#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "agent/agent.h"
#include "cli/agent_command.h"
#include "cli/control_client.h"
#include "cli/exit_codes.h"

namespace driftguard::cli {
namespace {

std::string text(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string shorten(const std::string& value, std::size_t width) {
    return value.size() <= width ? value : value.substr(0, width - 1) + "~";
}

void print_status(const nlohmann::json& status, std::ostream& out) {
    const auto& agent = status["agent"];
    out << fmt::format("agent     pid {}, version {}, since {}\n", text(agent["pid"]),
                       text(agent["version"]), text(agent["started"]));
    const std::string pinned = text(agent["pinned"]);
    out << fmt::format("pinned    {}\n", pinned.empty()
                                             ? "no (enforcement ends with the agent)"
                                             : pinned + (agent["adopted_pinned_state"].get<bool>()
                                                             ? " (adopted from a previous agent)"
                                                             : ""));
    const auto& backend = status["backend"];
    out << fmt::format("backend   {}: {}\n          why: {}\n", text(backend["name"]),
                       text(backend["action"]), text(backend["why"]));
    const auto& policy = status["policy"];
    const std::string file = text(policy["file"]);
    out << fmt::format(
        "policy    {} (sha256 {}), default {}, {} rules, {} exceptions; {} "
        "reloads, {} refused\n",
        file.empty() ? "none (--mode)" : file, text(policy["sha256"]).substr(0, 12),
        text(policy["default_mode"]), text(policy["rules"]), text(policy["exceptions"]),
        text(policy["reloads"]), text(policy["refusals"]));
    if (policy.contains("last_refusal")) {
        out << fmt::format("          last refusal: {}\n", text(policy["last_refusal"]));
    }
    const auto& counters = status["counters"];
    out << fmt::format(
        "counters  {} execs and {} mappings judged, {} blocked, {} audited, {} "
        "events dropped\n\n",
        text(counters["execs_judged"]), text(counters["mappings_judged"]),
        text(counters["blocked"]), text(counters["audited"]), text(counters["events_dropped"]));
    out << fmt::format("{:<12}  {:<22}  {:<10}  {:<40}  {:<7}  {:>7}  {:>7}  {}\n", "CONTAINER",
                       "NAME", "RUNTIME", "IMAGE", "MODE", "BLOCKED", "AUDITED", "MODE FROM");
    for (const auto& container : status["containers"]) {
        const std::string id = text(container["id"]);
        out << fmt::format(
            "{:<12}  {:<22}  {:<10}  {:<40}  {:<7}  {:>7}  {:>7}  {}\n",
            id.empty() ? "key " + text(container["key"]) : id.substr(0, 12),
            shorten(text(container["name"]), 22), shorten(text(container["runtime"]), 10),
            shorten(text(container["image"]["name"]), 40), text(container["mode"]),
            text(container["blocked"]), text(container["audited"]), text(container["mode_from"]));
    }
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
    struct Arguments {
        std::string state_dir = agent::kDefaultStateDir;
        bool json = false;
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* status = app.add_subcommand(
        "status", "Show the running agent: backend, policy, counters and protected containers");
    status->add_flag("--json", arguments->json, "The agent's answer as JSON");
    status->add_option("--state-dir", arguments->state_dir, "The agent's state directory")
        ->capture_default_str();
    status->callback([arguments, &exit_code] {
        nlohmann::json answer;
        auto asked = ask_agent(arguments->state_dir + "/driftguard.sock", {{"command", "status"}},
                               [&answer](const nlohmann::json& line) {
                                   answer = line;
                                   return false;
                               });
        if (!asked) {
            fmt::print(stderr, "driftguard status: {}\n", asked.error().message);
            exit_code = kExitFailure;
            return;
        }
        if (!answer.value("ok", false)) {
            fmt::print(stderr, "driftguard status: {}\n", answer.value("error", "no answer"));
            exit_code = kExitFailure;
            return;
        }
        if (arguments->json) {
            std::cout << answer.dump(2) << '\n';
        } else {
            print_status(answer, std::cout);
        }
    });
}

void add_events_command(CLI::App& app, int& exit_code) {
    struct Arguments {
        std::string state_dir = agent::kDefaultStateDir;
        std::string container;
        std::size_t limit = 100;
        bool follow = false;
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* events = app.add_subcommand(
        "events", "Print the agent's recent drift events as JSON lines (docs/events.md)");
    events->add_flag("-f,--follow", arguments->follow, "Keep printing new events as they happen");
    events->add_option("--container", arguments->container,
                       "Only this container (ID or prefix, name, or kernel key)");
    events->add_option("-n,--limit", arguments->limit, "How many recent events")
        ->capture_default_str();
    events->add_option("--state-dir", arguments->state_dir, "The agent's state directory")
        ->capture_default_str();
    events->callback([arguments, &exit_code] {
        bool header = true;
        std::string refusal;
        auto asked = ask_agent(arguments->state_dir + "/driftguard.sock",
                               {{"command", "events"},
                                {"container", arguments->container},
                                {"limit", arguments->limit},
                                {"follow", arguments->follow}},
                               [&](const nlohmann::json& line) {
                                   if (header) {
                                       header = false;
                                       if (!line.value("ok", false)) {
                                           refusal = line.value("error", "refused");
                                           return false;
                                       }
                                       return true;
                                   }
                                   std::cout << line.dump() << '\n' << std::flush;
                                   return static_cast<bool>(std::cout);
                               });
        if (!asked || !refusal.empty()) {
            fmt::print(stderr, "driftguard events: {}\n", asked ? refusal : asked.error().message);
            exit_code = kExitFailure;
        }
    });
}

}  // namespace driftguard::cli
