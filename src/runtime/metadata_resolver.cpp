#include "runtime/metadata_resolver.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "runtime/containerd_records.h"
#include "runtime/docker_records.h"
#include "runtime/image_builds.h"
#include "runtime/runtime_state.h"
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

// A container ID as runc accepts it (letters, digits, '_', '+', '-', '.'), never a path
// component that leaves the state directory.
bool is_runtime_id(const std::string& id) {
    static const std::regex kRuntimeId("[A-Za-z0-9_+.-]{1,256}");
    return std::regex_match(id, kRuntimeId) && id != "." && id != "..";
}

ContainerMetadata build_step_metadata(const BuildStep& step) {
    ContainerMetadata build;
    build.builder = step.builder;
    build.id = step.id;
    build.name = step.name;
    build.runtime = step.builder;
    build.image_name = step.image_name;
    build.image_id = step.image_id;
    build.image_digest = step.image_digest;
    return build;
}

// The string annotations of an OCI bundle's config.json.
Annotations annotations_of(const nlohmann::json& config) {
    return string_members(member(config, "annotations"));
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
    if (!metadata.builder.empty()) {
        return metadata;  // a step of Docker's classic builder (docker_records.h)
    }
    if (const auto step = buildah_step(paths_, upperdir)) {
        return build_step_metadata(*step);
    }
    if (metadata.id.empty()) {
        // No 64-digit ID in its cgroup path (a BuildKit step, `ctr run NAME`, containerd
        // namespaces): the runtime state whose init process has this root, looked for once.
        if (const auto state = find_state_by_root(paths_, root_dev, proc)) {
            if (const auto step = buildkit_step(*state)) {
                return build_step_metadata(*step);
            }
            metadata = resolve_id(state->id, proc);
        }
    }
    return metadata;
}

ContainerMetadata MetadataResolver::resolve_id(const std::string& id,
                                               const std::string& proc) const {
    ContainerMetadata metadata;
    if (!is_container_id(id) && !is_runtime_id(id)) {
        return metadata;
    }
    metadata.id = id;
    const Bundle bundle = find_bundle(id);
    metadata.bundle = bundle.dir;
    metadata.runtime = bundle.runtime;
    nlohmann::json config;
    if (!metadata.bundle.empty()) {
        config = read_bundle_config(metadata.bundle);
        const Annotations annotations = annotations_of(config);
        apply_annotations(annotations, metadata);
        const std::string sandbox = sandbox_id(annotations);
        if (!sandbox.empty() && sandbox != id && is_container_id(sandbox)) {
            const Bundle sandbox_bundle = find_bundle(sandbox);
            if (!sandbox_bundle.dir.empty()) {
                metadata.labels =
                    sandbox_pod_labels(annotations_of(read_bundle_config(sandbox_bundle.dir)));
            }
        }
    }
    if (const auto docker = read_docker_record(paths_.host_root, config, id)) {
        metadata.runtime = "docker";
        metadata.name = docker->name;
        metadata.image_name = docker->image_name;
        metadata.image_id = docker->image_id;
        metadata.image_digest = docker->image_digest;
        metadata.labels = docker->labels;
        if (docker->classic_build_step) {
            metadata.builder = "docker";
        }
        return metadata;
    }
    apply_storage_records(metadata);
    if (metadata.runtime == "podman" && paths_.ask_podman) {
        apply_podman(metadata);
    }
    if (metadata.bundle.find("/io.containerd.runtime.v2.task/") != std::string::npos) {
        if (metadata.runtime == "runc") {
            metadata.runtime = "containerd";
        }
        if (metadata.image_name.empty()) {
            apply_containerd(metadata, bundle.init_pid, proc);
        }
    }
    return metadata;
}

MetadataResolver::Bundle MetadataResolver::find_bundle(const std::string& id) const {
    const std::string& root = paths_.host_root;
    for (const auto& dir : state_directories(paths_)) {
        // runc (and containerd's runc shim): state.json, bundle in config.labels.
        const auto state = read_state_json(root + dir + "/" + id + "/state.json");
        if (state.is_object()) {
            const auto pid = member(state, "init_process_pid");
            return Bundle{.dir = bundle_of_state(state),
                          .runtime = "runc",
                          .init_pid = pid.is_number_integer() ? pid.get<long long>() : 0};
        }
        // crun: status, bundle as a field.
        const auto status = read_state_json(root + dir + "/" + id + "/status");
        if (auto bundle = string_at(status, "bundle"); !bundle.empty()) {
            return Bundle{.dir = bundle, .runtime = "crun"};
        }
    }
    for (const auto& pattern : paths_.bundle_dirs) {
        std::string dir = replace_id(pattern, id);
        struct stat info {};
        if (::stat((root + dir + "/config.json").c_str(), &info) == 0) {
            return Bundle{.dir = dir};
        }
    }
    return {};
}

nlohmann::json MetadataResolver::read_bundle_config(const std::string& bundle) const {
    return read_state_json(paths_.host_root + bundle + "/config.json");
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
    for (auto& [key, value] : string_members(member(member(container, "Config"), "Labels"))) {
        metadata.labels[key] = std::move(value);
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

// containerd keeps a container's image in its own database; `ctr` reads it.
void MetadataResolver::apply_containerd(ContainerMetadata& metadata, long long init_pid,
                                        const std::string& proc) const {
    const auto task = containerd_task_of(metadata.bundle, metadata.id, init_pid, proc);
    if (!task) {
        return;
    }
    if (metadata.name.empty()) {
        metadata.name = metadata.id;  // ctr names a container by its ID
    }
    if (!paths_.ask_containerd) {
        return;
    }
    if (const auto record = ask_containerd(*task, metadata.id)) {
        metadata.image_name = record->image_name;
        metadata.image_digest = record->image_digest;
        if (metadata.labels.empty()) {
            metadata.labels = record->labels;
        }
    }
}

}  // namespace driftguard::runtime
