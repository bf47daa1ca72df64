#include "events/falco_format.h"

#include <fmt/format.h>

namespace driftguard::events {
namespace {

std::string text(const nlohmann::json& object, const nlohmann::json::json_pointer& at) {
    if (!object.contains(at)) {
        return "";
    }
    const auto& value = object.at(at);
    return value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump();
}

std::string join(const nlohmann::json& argv) {
    std::string joined;
    if (argv.is_array()) {
        for (const auto& arg : argv) {
            joined += (joined.empty() ? "" : " ") + (arg.is_string() ? arg.get<std::string>() : "");
        }
    }
    return joined;
}

// "docker.io/library/nginx:1.27" -> repository and tag.
std::pair<std::string, std::string> split_image(const std::string& image) {
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        return {image.substr(0, colon), image.substr(colon + 1)};
    }
    return {image, ""};
}

}  // namespace

nlohmann::json to_falco(const nlohmann::json& event) {
    using Pointer = nlohmann::json::json_pointer;
    const bool blocked = event.value("verdict", "") == "blocked";
    const auto [repository, tag] = split_image(text(event, Pointer("/container/image/name")));
    const auto& ancestry = event.contains(Pointer("/process/ancestry"))
                               ? event.at(Pointer("/process/ancestry"))
                               : nlohmann::json::array();
    const std::string parent = ancestry.empty() ? "" : text(ancestry[0], Pointer("/comm"));
    const std::string writer = text(event, Pointer("/provenance/last_writer/comm"));
    std::string connections;
    if (event.contains(Pointer("/provenance/connections"))) {
        for (const auto& connection : event.at(Pointer("/provenance/connections"))) {
            connections += fmt::format("{}{}:{}", connections.empty() ? "" : ",",
                                       text(connection, Pointer("/remote")),
                                       text(connection, Pointer("/port")));
        }
    }
    nlohmann::json fields = {
        {"evt.time", event.value("time", "")},
        {"container.id", text(event, Pointer("/container/id"))},
        {"container.name", text(event, Pointer("/container/name"))},
        {"container.image.repository", repository},
        {"container.image.tag", tag},
        {"container.image.digest", text(event, Pointer("/container/image/digest"))},
        {"k8s.ns.name", text(event, Pointer("/container/pod/namespace"))},
        {"k8s.pod.name", text(event, Pointer("/container/pod/name"))},
        {"proc.pid", event.value(Pointer("/process/pid"), 0)},
        {"proc.ppid", event.value(Pointer("/process/ppid"), 0)},
        {"proc.name", text(event, Pointer("/process/comm"))},
        {"proc.cmdline", join(event.value(Pointer("/process/argv"), nlohmann::json::array()))},
        {"proc.exepath", text(event, Pointer("/file/path"))},
        {"proc.cwd", text(event, Pointer("/process/cwd"))},
        {"proc.pname", parent},
        {"user.uid", event.value(Pointer("/process/uid"), 0)},
        {"driftguard.verdict", event.value("verdict", "")},
        {"driftguard.kind", event.value("kind", "")},
        {"driftguard.hook", event.value("hook", "")},
        {"driftguard.sha256", text(event, Pointer("/file/sha256"))},
        {"driftguard.writer", writer},
        {"driftguard.writer_cmdline",
         join(event.value(Pointer("/provenance/last_writer/argv"), nlohmann::json::array()))},
        {"driftguard.connections", connections},
    };
    if (event.contains("repeat")) {
        fields["driftguard.repeat_count"] = event["repeat"].value("count", 0);
    }
    const std::string output = fmt::format(
        "{} Drift {} in container {} (image {}): {} {} ({}) by {} (parent {}){}{}",
        event.value("time", ""), blocked ? "blocked" : "detected",
        text(event, Pointer("/container/name")), text(event, Pointer("/container/image/name")),
        event.value("kind", ""), text(event, Pointer("/file/path")),
        fields["proc.cmdline"].get<std::string>(), text(event, Pointer("/process/comm")), parent,
        writer.empty() ? "" : fmt::format(", written by {}", writer),
        connections.empty() ? "" : fmt::format(" after connecting to {}", connections));
    return {
        {"time", event.value("time", "")},
        {"rule", blocked ? "Drift blocked: executable not in the container image"
                         : "Drift detected: executable not in the container image"},
        {"priority", blocked ? "Critical" : "Warning"},
        {"output", output},
        {"output_fields", fields},
        {"hostname", event.value("node", "")},
        {"source", "driftguard"},
        {"tags",
         {"container", "process", "drift", "mitre_execution", "mitre_command_and_control",
          "T1105"}},
    };
}

}  // namespace driftguard::events
