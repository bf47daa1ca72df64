#include "runtime/image_builds.h"

#include <filesystem>

#include "runtime/runtime_state.h"
#include "runtime/state_files.h"

namespace driftguard::runtime {
namespace {

namespace fs = std::filesystem;

// The layer ID of an upper directory "<storage>/overlay/<layer>/diff", or "".
std::string storage_layer_of(const std::string& storage, const std::string& upperdir) {
    const std::string prefix = storage + "/overlay/";
    if (!upperdir.starts_with(prefix) || !upperdir.ends_with("/diff")) {
        return {};
    }
    std::string layer = upperdir.substr(prefix.size(), upperdir.size() - prefix.size() - 5);
    return layer.empty() || layer.find('/') != std::string::npos ? std::string() : layer;
}

// True when `bundle` is "<dir>/executor/<id>" and a component of <dir> names BuildKit
// ("/var/lib/buildkit/runc-overlayfs", "/var/lib/docker/buildkit").
bool is_buildkit_bundle(const std::string& bundle, const std::string& id) {
    const fs::path path(bundle);
    if (path.filename() != id || path.parent_path().filename() != "executor") {
        return false;
    }
    for (const auto& component : path.parent_path().parent_path()) {
        if (component.string().starts_with("buildkit")) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<BuildStep> buildah_step(const RuntimePaths& paths, const std::string& upperdir) {
    for (const auto& storage : paths.storage_roots) {
        const std::string layer = storage_layer_of(storage, upperdir);
        if (layer.empty()) {
            continue;
        }
        const std::string base = paths.host_root + storage + "/overlay-containers";
        const auto containers = read_state_json(base + "/containers.json");
        for (const auto& record : containers.is_array() ? containers : nlohmann::json::array()) {
            if (string_at(record, "layer") != layer) {
                continue;
            }
            const std::string id = string_at(record, "id");
            if (id.empty() || id.find('/') != std::string::npos || id.starts_with(".")) {
                return std::nullopt;
            }
            const auto working = read_state_json(base + "/" + id + "/userdata/buildah.json");
            if (!string_at(working, "type").starts_with("buildah")) {
                return std::nullopt;  // a podman (or CRI-O) container: a workload
            }
            BuildStep step{.builder = "buildah", .id = id};
            const auto names = member(record, "names");
            if (names.is_array() && !names.empty() && names[0].is_string()) {
                step.name = names[0].get<std::string>();
            }
            step.image_name = string_at(working, "image");
            step.image_id = string_at(working, "image-id");
            step.image_digest = string_at(working, "image-digest");
            return step;
        }
    }
    return std::nullopt;
}

std::optional<BuildStep> buildkit_step(const RuntimeState& state) {
    if (is_buildkit_bundle(state.bundle, state.id)) {
        return BuildStep{.builder = "buildkit", .id = state.id};
    }
    return std::nullopt;
}

std::optional<BuildStep> find_build_step(const RuntimePaths& paths, const std::string& upperdir,
                                         std::uint32_t root_dev, const std::string& proc) {
    if (auto step = buildah_step(paths, upperdir)) {
        return step;
    }
    const auto state = find_state_by_root(paths, root_dev, proc);
    return state ? buildkit_step(*state) : std::nullopt;
}

}  // namespace driftguard::runtime
