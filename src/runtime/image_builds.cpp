#include "runtime/image_builds.h"

#include <dirent.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/kernel_dev.h"
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

// The start time (clock ticks after boot, field 22 of /proc/<pid>/stat) of `pid`.
std::optional<unsigned long long> start_time_of(const std::string& proc, long long pid) {
    std::ifstream file(proc + "/" + std::to_string(pid) + "/stat");
    std::stringstream text;
    text << file.rdbuf();
    const std::string stat = text.str();
    const auto after_name = stat.rfind(')');
    if (after_name == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(after_name + 2));
    std::string field;
    for (int index = 3; fields >> field; ++index) {
        if (index == 22) {
            return field.find_first_not_of("0123456789") == std::string::npos && !field.empty()
                       ? std::optional(std::stoull(field))
                       : std::nullopt;
        }
    }
    return std::nullopt;
}

// True when the runc state's init process is alive, is the same process (not a later one
// with the reused pid) and has the root `root_dev`.
bool init_runs_in(const nlohmann::json& state, std::uint32_t root_dev, const std::string& proc) {
    const auto pid = member(state, "init_process_pid");
    const auto start = member(state, "init_process_start");
    if (!pid.is_number_integer() || pid.get<long long>() <= 0 || !start.is_number_unsigned()) {
        return false;
    }
    const auto started = start_time_of(proc, pid.get<long long>());
    if (!started || *started != start.get<unsigned long long>()) {
        return false;
    }
    struct stat root {};
    const std::string root_path = proc + "/" + std::to_string(pid.get<long long>()) + "/root/";
    return ::stat(root_path.c_str(), &root) == 0 && kernel_dev(root.st_dev) == root_dev;
}

std::optional<BuildStep> buildkit_step(const RuntimePaths& paths, std::uint32_t root_dev,
                                       const std::string& proc) {
    for (const auto& dir : paths.state_dirs) {
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(paths.host_root + dir, error)) {
            const std::string id = entry.path().filename();
            const auto state = read_state_json(entry.path() / "state.json");
            std::string bundle;
            const auto labels = member(member(state, "config"), "labels");
            for (const auto& label : labels.is_array() ? labels : nlohmann::json::array()) {
                if (label.is_string() && label.get<std::string>().starts_with("bundle=")) {
                    bundle = label.get<std::string>().substr(7);
                }
            }
            if (is_buildkit_bundle(bundle, id) && init_runs_in(state, root_dev, proc)) {
                return BuildStep{.builder = "buildkit", .id = id};
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<BuildStep> find_build_step(const RuntimePaths& paths, const std::string& upperdir,
                                         std::uint32_t root_dev, const std::string& proc) {
    if (auto step = buildah_step(paths, upperdir)) {
        return step;
    }
    return buildkit_step(paths, root_dev, proc);
}

}  // namespace driftguard::runtime
