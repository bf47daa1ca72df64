#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "driftguard/abi.h"
#include "runtime/container_metadata.h"

namespace driftguard::events {

inline constexpr const char* kEventSchema = "driftguard.event/v2";

// A process as the event reports it.
struct ProcessInfo {
    std::uint32_t pid = 0;
    std::string comm;
    std::string exe;                // "" when the process was gone before it could be read
    std::vector<std::string> argv;  // from the kernel (bounded) or /proc/<pid>/cmdline
};

// A process that opened the drifted file for writing (recorded by the kernel).
struct WriterInfo {
    ProcessInfo process;
    std::uint32_t ppid = 0;
    std::uint32_t uid = 0;
    std::string time;  // UTC, RFC 3339
};

// A connect() made by the writer or one of its parents shortly before it wrote.
struct ConnectionInfo {
    std::uint32_t pid = 0;  // the process that connected
    std::string remote;     // "203.0.113.7" or "2001:db8::1"
    std::uint16_t port = 0;
    std::string protocol;  // tcp, udp
    std::string time;
};

// What the agent adds to the kernel's event.
struct EventContext {
    std::string container_upperdir;
    std::string refined_kind;         // e.g. "modified-image-file"; empty: the kernel's kind
    std::string file_sha256;          // of the drifted file, computed by the agent from the file
    std::string file_sha256_missing;  // why there is no digest
    std::string file_path;            // absolute inside the container, when resolved
    bool image_known = true;          // false: the agent had not read the image yet
    bool image_has_path = false;      // the image has an executable at that path ...
    std::string image_sha256;         // ... with this digest
    const runtime::ContainerMetadata* container = nullptr;  // what the runtime says of it
    std::string mode_reason;  // which policy rule set the container's mode
    ProcessInfo process;      // the drifting process (exe, argv)
    std::string cwd;
    std::vector<ProcessInfo> ancestry;  // parent first, up to the container's first process
    std::optional<WriterInfo> first_writer;
    std::optional<WriterInfo> last_writer;
    std::vector<ConnectionInfo> connections;
    std::string node;              // host name
    std::string backend = "kill";  // the agent's enforcement backend (backend_choice.h)
};

std::string_view hook_name(std::uint16_t hook);
std::string_view kind_name(std::uint16_t kind);
std::string_view mode_name(std::uint8_t mode);
// "blocked" (killed or denied with EPERM, whichever the backend does) or "audited".
std::string_view verdict_name(std::uint16_t verdict);

// The runtime's description of a container: id, name, runtime, image, pod or labels.
nlohmann::json metadata_to_json(const runtime::ContainerMetadata& metadata);

// One JSON line (docs/events.md).
nlohmann::json event_to_json(const dg_event& event, const EventContext& context);

}  // namespace driftguard::events
