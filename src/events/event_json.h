#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "driftguard/abi.h"
#include "runtime/container_metadata.h"

namespace driftguard::events {

inline constexpr const char* kEventSchema = "driftguard.event/v1";

// What the agent adds to the kernel's event.
struct EventContext {
    std::string container_upperdir;
    std::string refined_kind;  // e.g. "modified-image-file"; empty: the kernel's kind
    std::string file_sha256;   // of the drifted file, when the agent could read it
    const runtime::ContainerMetadata* container = nullptr;  // what the runtime says of it
    std::string mode_reason;  // which policy rule set the container's mode
};

std::string_view hook_name(std::uint16_t hook);
std::string_view kind_name(std::uint16_t kind);
std::string_view mode_name(std::uint8_t mode);

// One JSON line (docs/events.md).
nlohmann::json event_to_json(const dg_event& event, const EventContext& context);

}  // namespace driftguard::events
