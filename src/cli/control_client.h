#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace driftguard::cli {

// Sends one request to the agent's control socket and hands each answer line to
// `on_line` until the agent closes the connection or `on_line` returns false.
Status ask_agent(const std::string& socket_path, const nlohmann::json& request,
                 const std::function<bool(const nlohmann::json&)>& on_line);

}  // namespace driftguard::cli
