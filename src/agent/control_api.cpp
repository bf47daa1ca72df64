#include "agent/control_api.h"

#include <fmt/format.h>

#include "agent/control_protocol.h"

namespace driftguard::agent {

void ControlApi::answer(const nlohmann::json& request, const ControlServer::Reply& reply,
                        bool& keep_open) {
    const std::string command = request["command"].get<std::string>();
    if (command == control::kCommandStatus) {
        reply(status_of_());
    } else if (command == control::kCommandEvents) {
        answer_events(request, reply, keep_open);
    } else {
        reply({{"ok", false},
               {"error", fmt::format("unknown command '{}' (expected {} or {})", command,
                                     control::kCommandStatus, control::kCommandEvents)}});
    }
}

void ControlApi::answer_events(const nlohmann::json& request, const ControlServer::Reply& reply,
                               bool& keep_open) {
    const auto container = request.value("container", nlohmann::json(""));
    const auto limit = request.value("limit", nlohmann::json(100));
    const auto follow = request.value("follow", nlohmann::json(false));
    if (!container.is_string() || !limit.is_number_unsigned() || !follow.is_boolean()) {
        reply({{"ok", false},
               {"error",
                "events: 'container' must be a string, 'limit' a non-negative "
                "number, 'follow' a boolean"}});
        return;
    }
    const std::string which = container.get<std::string>();
    if (!reply({{"ok", true}})) {
        return;
    }
    for (const auto& event : events_.recent(which, limit.get<std::size_t>())) {
        if (!reply(event)) {
            return;
        }
    }
    if (follow.get<bool>()) {
        keep_open = true;
        events_.follow([reply, which](const nlohmann::json& event) {
            return !EventLog::concerns(event, which) || reply(event);
        });
    }
}

}  // namespace driftguard::agent
