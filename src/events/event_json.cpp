#include "events/event_json.h"

#include "common/utc_time.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstring>

namespace driftguard::events {
namespace {

std::string bounded(const char* text, std::size_t size) {
    return std::string(text, strnlen(text, size));
}

}  // namespace

std::string_view hook_name(std::uint16_t hook) {
    switch (hook) {
        case DG_HOOK_EXEC:
            return "exec";
        case DG_HOOK_SCRIPT:
            return "script";
        case DG_HOOK_MMAP:
            return "mmap";
        case DG_HOOK_MPROTECT:
            return "mprotect";
        case DG_HOOK_PROC_MEM:
            return "proc-mem";
        case DG_HOOK_INTERP:
            return "exec-entry";
        case DG_HOOK_MEM_WRITE:
            return "memory-write";
        case DG_HOOK_URING:
            return "io-uring";
        default:
            return "unknown";
    }
}

std::string_view kind_name(std::uint16_t kind) {
    switch (kind) {
        case DG_KIND_UPPER:
            return "upper-layer";
        case DG_KIND_OTHER_FS:
            return "other-filesystem";
        case DG_KIND_MEMFD:
            return "memfd";
        case DG_KIND_DELETED:
            return "deleted-file";
        case DG_KIND_PROC_MEM:
            return "proc-mem-write";
        case DG_KIND_UNCHECKED:
            return "unchecked-route";
        case DG_KIND_ANON_EXEC:
            return "anonymous-exec";
        default:
            return "none";
    }
}

std::string_view mode_name(std::uint8_t mode) {
    switch (mode) {
        case DG_MODE_ENFORCE:
            return "enforce";
        case DG_MODE_AUDIT:
            return "audit";
        default:
            return "off";
    }
}

std::string_view verdict_name(std::uint16_t verdict) {
    return verdict == DG_VERDICT_KILL || verdict == DG_VERDICT_DENY ? "blocked" : "audited";
}

namespace {

nlohmann::json process_json(const ProcessInfo& process) {
    return {{"pid", process.pid},
            {"comm", process.comm},
            {"exe", process.exe.empty() ? nlohmann::json(nullptr) : nlohmann::json(process.exe)},
            {"argv", process.argv}};
}

nlohmann::json writer_json(const std::optional<WriterInfo>& writer) {
    if (!writer) {
        return nullptr;
    }
    auto json = process_json(writer->process);
    json["ppid"] = writer->ppid;
    json["uid"] = writer->uid;
    json["time"] = writer->time;
    return json;
}

}  // namespace

nlohmann::json metadata_to_json(const runtime::ContainerMetadata& metadata) {
    nlohmann::json about = {
        {"id", metadata.id},
        {"name", metadata.name},
        {"runtime", metadata.runtime},
        {"image", {{"name", metadata.image_name}, {"digest", metadata.image_digest}}},
    };
    if (!metadata.pod_name.empty() || !metadata.pod_namespace.empty()) {
        about["pod"] = {{"name", metadata.pod_name},
                        {"namespace", metadata.pod_namespace},
                        {"uid", metadata.pod_uid},
                        {"container", metadata.pod_container},
                        {"labels", metadata.labels}};
    } else if (!metadata.labels.empty()) {
        about["labels"] = metadata.labels;
    }
    if (!metadata.builder.empty()) {
        about["build"] = metadata.builder;
    }
    return about;
}

nlohmann::json event_to_json(const dg_event& event, const EventContext& context) {
    nlohmann::json file = {
        {"path",
         context.file_path.empty() ? bounded(event.path, sizeof(event.path)) : context.file_path},
        {"exec_path", bounded(event.path, sizeof(event.path))},
        {"name", bounded(event.name, sizeof(event.name))},
        {"dev", event.file_dev},
        {"ino", event.file_ino},
        {"mode", fmt::format("{:06o}", event.file_mode)},
        {"size", event.file_size},
        {"nlink", event.file_nlink},
        {"fs_magic", fmt::format("{:#x}", event.fs_magic)},
        {"sha256", context.file_sha256.empty() ? nlohmann::json(nullptr)
                                               : nlohmann::json(context.file_sha256)},
        {"in_image",
         context.image_known ? nlohmann::json(context.image_has_path) : nlohmann::json(nullptr)},
    };
    if (!context.image_known) {
        file["in_image_unknown"] = "the agent had not read the container's image yet";
    }
    if (!context.file_sha256_missing.empty()) {
        file["sha256_missing"] = context.file_sha256_missing;
    }
    if (context.image_has_path) {
        file["image_sha256"] = context.image_sha256;
    }
    if (event.upper_ino != 0) {
        file["upper_ino"] = event.upper_ino;
    }
    nlohmann::json process = process_json(context.process);
    process["pid"] = event.tgid;
    process["tid"] = event.pid;
    process["ppid"] = event.ppid;
    process["uid"] = event.uid;
    process["gid"] = event.gid;
    process["comm"] = bounded(event.comm, sizeof(event.comm));
    process["cwd"] = context.cwd.empty() ? nlohmann::json(nullptr) : nlohmann::json(context.cwd);
    process["ancestry"] = nlohmann::json::array();
    for (const auto& ancestor : context.ancestry) {
        process["ancestry"].push_back(process_json(ancestor));
    }
    nlohmann::json connections = nlohmann::json::array();
    for (const auto& connection : context.connections) {
        connections.push_back({{"pid", connection.pid},
                               {"remote", connection.remote},
                               {"port", connection.port},
                               {"protocol", connection.protocol},
                               {"time", connection.time}});
    }
    nlohmann::json json = {
        {"schema", kEventSchema},
        // When the kernel decided, not when the agent got to it (events wait in the ring
        // while the agent is busy or restarting).
        {"time", utc_microseconds(event.ktime_ns != 0 ? from_kernel_monotonic(event.ktime_ns)
                                                      : std::chrono::system_clock::now())},
        {"node", context.node},
        {"verdict", verdict_name(event.verdict)},
        {"mode", mode_name(event.mode)},
        {"backend", context.backend},
        {"hook", hook_name(event.hook)},
        {"kind",
         context.refined_kind.empty() ? std::string(kind_name(event.kind)) : context.refined_kind},
        {"container",
         {{"key", event.container_dev},
          {"mnt_ns", event.mnt_ns},
          {"upperdir", context.container_upperdir}}},
        {"process", process},
        {"file", file},
        {"provenance",
         {{"first_writer", writer_json(context.first_writer)},
          {"last_writer", writer_json(context.last_writer)},
          {"connections", connections}}},
    };
    if (context.container != nullptr) {
        json["container"].update(metadata_to_json(*context.container));
    }
    if (!context.mode_reason.empty()) {
        json["policy"] = {{"mode_from", context.mode_reason}};
    }
    if (event.hook == DG_HOOK_MMAP || event.hook == DG_HOOK_MPROTECT) {
        json["prot"] = event.prot;
    }
    return json;
}

}  // namespace driftguard::events
