#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

// The control socket's protocol, shared by the agent (ControlApi) and the CLI
// (`driftguard status`, `driftguard events`): one JSON request line, answered by one or
// more JSON lines that each carry "ok" (docs/agent.md, "The control socket").
namespace driftguard::agent::control {

inline constexpr const char* kSocketName = "driftguard.sock";
inline constexpr const char* kCommandStatus = "status";
inline constexpr const char* kCommandEvents = "events";

inline std::string socket_path(const std::string& state_dir) {
    return state_dir + "/" + kSocketName;
}

inline nlohmann::json status_request() {
    return {{"command", kCommandStatus}};
}

// The last `limit` events (of `container` when not empty: ID or prefix, name, or kernel
// key), then, with `follow`, every new one.
inline nlohmann::json events_request(const std::string& container, std::size_t limit, bool follow) {
    return {{"command", kCommandEvents},
            {"container", container},
            {"limit", limit},
            {"follow", follow}};
}

}  // namespace driftguard::agent::control
