#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "agent/agent.h"
#include "agent/control_protocol.h"
#include "cli/agent_command.h"
#include "cli/control_client.h"
#include "cli/exit_codes.h"
#include "events/event_json.h"
#include "kernel/counter_names.h"
#include "kernel/pinned_sensor_view.h"

namespace driftguard::cli {
namespace {

std::string text(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string shorten(const std::string& value, std::size_t width) {
    return value.size() <= width ? value : value.substr(0, width - 1) + "~";
}

void print_counters(const nlohmann::json& counters, std::ostream& out) {
    out << fmt::format(
        "counters  {} execs and {} mappings judged, {} blocked, {} audited, {} events "
        "dropped\n",
        text(counters["execs_judged"]), text(counters["mappings_judged"]),
        text(counters["blocked"]), text(counters["audited"]), text(counters["events_dropped"]));
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
    out << fmt::format("backend   {}: {}\n", text(backend["name"]), text(backend["action"]));
    if (backend.contains("considered") && backend["considered"].is_array()) {
        for (const auto& option : backend["considered"]) {
            const bool usable =
                option.value("offered_by_kernel", false) && option.value("in_this_release", false);
            out << fmt::format("          {} {:<9} {}\n", usable ? "+" : "-", text(option["name"]),
                               text(option["reason"]));
        }
    } else {
        out << fmt::format("          why: {}\n", text(backend["why"]));
    }
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
    print_counters(status["counters"], out);
    out << '\n';
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

// The pinned programs' mode, named as everywhere else in status; "unknown" when their
// global data could not be read.
std::string pinned_mode(const std::optional<dg_mode>& mode) {
    return mode ? std::string(events::mode_name(*mode)) : "unknown";
}

nlohmann::json pinned_json(const kernel::PinnedSensorView& view, const std::string& pin_root,
                           const std::string& why) {
    nlohmann::json json = {
        {"agent", {{"running", false}, {"why", why}}},
        {"pinned",
         {{"dir", pin_root},
          {"abi", view.version_dir},
          {"programs_attached", view.programs},
          {"other_abi_versions", view.other_abi},
          {"default_mode", pinned_mode(view.default_mode)},
          {"build_default_mode", pinned_mode(view.build_default_mode)},
          {"containers_with_own_mode", view.containers_with_mode}}},
    };
    if (view.counters) {
        json["counters"] = kernel::counters_json(*view.counters);
    }
    return json;
}

void print_pinned(const nlohmann::json& status, std::ostream& out) {
    const auto& pinned = status["pinned"];
    out << fmt::format(
        "agent     not running ({})\n"
        "pinned    {} ({}): {} programs still attached, enforcing without the agent\n"
        "          default mode {}, image builds {}, {} containers with a mode of their own\n"
        "          no new events are read, no copy-ups verified, no new policy applied until an "
        "agent starts\n",
        text(status["agent"]["why"]), text(pinned["dir"]), text(pinned["abi"]),
        pinned["programs_attached"].size(), text(pinned["default_mode"]),
        text(pinned["build_default_mode"]), text(pinned["containers_with_own_mode"]));
    if (status.contains("counters")) {
        print_counters(status["counters"], out);
    }
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
    struct Arguments {
        std::string state_dir = agent::kDefaultStateDir;
        std::string pin_root = agent::kDefaultPinRoot;
        bool json = false;
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* status = app.add_subcommand(
        "status", "Show the running agent: backend, policy, counters and protected containers");
    status->add_flag("--json", arguments->json, "The agent's answer as JSON");
    status->add_option("--state-dir", arguments->state_dir, "The agent's state directory")
        ->capture_default_str();
    status
        ->add_option("--pin-dir", arguments->pin_root,
                     "Where the sensor is pinned (read when no agent answers)")
        ->capture_default_str();
    status->callback([arguments, &exit_code] {
        nlohmann::json answer;
        auto asked =
            ask_agent(agent::control::socket_path(arguments->state_dir),
                      agent::control::status_request(), [&answer](const nlohmann::json& line) {
                          answer = line;
                          return false;
                      });
        if (!asked) {
            // No agent: the pinned sensor may still be enforcing. Say which.
            auto pinned = kernel::read_pinned_sensor(arguments->pin_root);
            if (!pinned) {
                fmt::print(stderr,
                           "driftguard status: {}; {}: driftguard enforces nothing on this "
                           "host\n",
                           asked.error().message, pinned.error().message);
                exit_code = kExitFailure;
                return;
            }
            const auto view =
                pinned_json(pinned.value(), arguments->pin_root, asked.error().message);
            if (arguments->json) {
                std::cout << view.dump(2) << '\n';
            } else {
                print_pinned(view, std::cout);
            }
            exit_code = kExitSensorWithoutAgent;
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
        auto asked = ask_agent(agent::control::socket_path(arguments->state_dir),
                               agent::control::events_request(arguments->container,
                                                              arguments->limit, arguments->follow),
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
