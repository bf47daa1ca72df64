#include "runtime/metadata_resolver.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "runtime/image_builds.h"
#include "runtime/state_files.h"

namespace driftguard::runtime {
namespace {

std::string replace_id(std::string pattern, const std::string& id) {
    if (auto at = pattern.find("{id}"); at != std::string::npos) {
        pattern.replace(at, 4, id);
    }
    return pattern;
}

bool is_container_id(const std::string& id) {
    return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string container_id_from_cgroup(const std::string& cgroup_text) {
    static const std::regex kId("([0-9a-f]{64})");
    std::string found;
    std::istringstream lines(cgroup_text);
    std::string line;
    while (std::getline(lines, line)) {
        for (std::sregex_iterator it(line.begin(), line.end(), kId), end; it != end; ++it) {
            found = (*it)[1];
        }
        if (!found.empty()) {
            break;
        }
    }
    return found;
}

MetadataResolver::MetadataResolver(RuntimePaths paths) : paths_(std::move(paths)) {}

ContainerMetadata MetadataResolver::resolve_pid(pid_t pid, const std::string& proc) const {
    std::ifstream cgroup(proc + "/" + std::to_string(pid) + "/cgroup");
    std::stringstream text;
    text << cgroup.rdbuf();
    const std::string id = container_id_from_cgroup(text.str());
    if (id.empty()) {
        return {};
    }
    return resolve_id(id);
}

ContainerMetadata MetadataResolver::resolve_container(pid_t pid, const std::string& upperdir,
                                                      std::uint32_t root_dev,
                                                      const std::string& proc) const {
    ContainerMetadata metadata = resolve_pid(pid, proc);
    // A BuildKit step's cgroup never carries a 64-digit ID, so only those without one
    // are looked for among the runtime states.
    const RuntimePaths build_paths = metadata.id.empty()
                                         ? paths_
                                         : RuntimePaths{.host_root = paths_.host_root,
                                                        .state_dirs = {},
                                                        .bundle_dirs = {},
                                                        .storage_roots = paths_.storage_roots};
    const auto step = find_build_step(build_paths, upperdir, root_dev, proc);
    if (!step) {
        return metadata;
    }
    ContainerMetadata build;
    build.builder = step->builder;
    build.id = step->id;
    build.name = step->name;
    build.runtime = step->builder;
    build.image_name = step->image_name;
    build.image_id = step->image_id;
    build.image_digest = step->image_digest;
    return build;
}

ContainerMetadata MetadataResolver::resolve_id(const std::string& id) const {
    ContainerMetadata metadata;
    if (!is_container_id(id)) {
        return metadata;
    }
    metadata.id = id;
    metadata.bundle = find_bundle(id, metadata.runtime);
    if (!metadata.bundle.empty()) {
        const Annotations annotations = read_annotations(metadata.bundle);
        apply_annotations(annotations, metadata);
        const std::string sandbox = sandbox_id(annotations);
        if (!sandbox.empty() && sandbox != id && is_container_id(sandbox)) {
            std::string ignored;
            const std::string sandbox_bundle = find_bundle(sandbox, ignored);
            if (!sandbox_bundle.empty()) {
                metadata.labels = sandbox_pod_labels(read_annotations(sandbox_bundle));
            }
        }
    }
    apply_storage_records(metadata);
    if (metadata.runtime == "podman" && paths_.ask_podman) {
        apply_podman(metadata);
    }
    return metadata;
}

std::string MetadataResolver::find_bundle(const std::string& id, std::string& runtime) const {
    const std::string& root = paths_.host_root;
    for (const auto& dir : paths_.state_dirs) {
        // runc (and containerd's runc shim): state.json, bundle in config.labels.
        const auto state = read_state_json(root + dir + "/" + id + "/state.json");
        if (state.is_object()) {
            runtime = "runc";
            const auto labels = member(member(state, "config"), "labels");
            for (const auto& label : labels.is_array() ? labels : nlohmann::json::array()) {
                if (label.is_string() && label.get<std::string>().starts_with("bundle=")) {
                    return label.get<std::string>().substr(7);
                }
            }
        }
        // crun: status, bundle as a field.
        const auto status = read_state_json(root + dir + "/" + id + "/status");
        if (auto bundle = string_at(status, "bundle"); !bundle.empty()) {
            runtime = "crun";
            return bundle;
        }
    }
    for (const auto& pattern : paths_.bundle_dirs) {
        std::string dir = replace_id(pattern, id);
        struct stat info {};
        if (::stat((root + dir + "/config.json").c_str(), &info) == 0) {
            return dir;
        }
    }
    return {};
}

Annotations MetadataResolver::read_annotations(const std::string& bundle) const {
    Annotations annotations;
    const auto config = read_state_json(paths_.host_root + bundle + "/config.json");
    if (!config.is_object()) {
        return annotations;
    }
    auto found = config.find("annotations");
    if (found == config.end() || !found->is_object()) {
        return annotations;
    }
    for (const auto& [key, value] : found->items()) {
        if (value.is_string()) {
            annotations[key] = value.get<std::string>();
        }
    }
    return annotations;
}

// containers/storage (podman, CRI-O, buildah): overlay-containers/containers.json has
// the names and the image of each container, overlay-images/images.json the image's
// names and manifest digest.
void MetadataResolver::apply_storage_records(ContainerMetadata& metadata) const {
    for (const auto& storage : paths_.storage_roots) {
        const std::string base = paths_.host_root + storage;
        const auto containers = read_state_json(base + "/overlay-containers/containers.json");
        if (!containers.is_array()) {
            continue;
        }
        for (const auto& record : containers) {
            if (string_at(record, "id") != metadata.id) {
                continue;
            }
            const auto names = member(record, "names");
            if (metadata.name.empty() && names.is_array() && !names.empty() &&
                names[0].is_string()) {
                metadata.name = names[0].get<std::string>();
            }
            const auto extra = nlohmann::json::parse(string_at(record, "metadata"), nullptr, false);
            if (metadata.image_name.empty()) {
                metadata.image_name = string_at(extra, "image-name");
            }
            if (metadata.image_id.empty()) {
                metadata.image_id = string_at(record, "image");
            }
            const auto images = read_state_json(base + "/overlay-images/images.json");
            for (const auto& image : images.is_array() ? images : nlohmann::json::array()) {
                if (string_at(image, "id") == metadata.image_id) {
                    metadata.image_digest = string_at(image, "digest");
                }
            }
            return;
        }
    }
}

// Podman keeps container labels and pod membership in its own database; its CLI is the
// supported way to read them.
void MetadataResolver::apply_podman(ContainerMetadata& metadata) const {
    using std::chrono::milliseconds;
    const auto output =
        run_for_output({"podman", "container", "inspect", metadata.id}, milliseconds(3000));
    if (!output) {
        return;
    }
    const auto parsed = nlohmann::json::parse(*output, nullptr, false);
    if (!parsed.is_array() || parsed.empty() || !parsed[0].is_object()) {
        return;
    }
    const auto& container = parsed[0];
    if (auto name = string_at(container, "Name"); !name.empty()) {
        metadata.name = name;
    }
    if (auto digest = string_at(container, "ImageDigest"); !digest.empty()) {
        metadata.image_digest = digest;
    }
    const auto labels = member(member(container, "Config"), "Labels");
    if (labels.is_object()) {
        for (const auto& [key, value] : labels.items()) {
            if (value.is_string()) {
                metadata.labels[key] = value.get<std::string>();
            }
        }
    }
    const std::string pod = string_at(container, "Pod");
    if (is_container_id(pod)) {
        const auto name = run_for_output({"podman", "pod", "inspect", "--format", "{{.Name}}", pod},
                                         milliseconds(3000));
        if (name && !name->empty()) {
            metadata.pod_name = name->substr(0, name->find('\n'));
        }
    }
}

}  // namespace driftguard::runtime
