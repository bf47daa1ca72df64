#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/annotation_conventions.h"
#include "runtime/container_metadata.h"

namespace driftguard::runtime {

// Where the runtimes keep their state. Every path is looked up under `host_root` ("" on
// a real host; a fixture directory in tests).
struct RuntimePaths {
    std::string host_root;
    // runc-style state directories: <dir>/<id>/state.json (runc) or <dir>/<id>/status (crun).
    // A last component "*" stands for every directory there (containerd keeps one per
    // namespace: k8s.io for the CRI, default for ctr, moby for Docker, any other).
    std::vector<std::string> state_dirs = {
        "/run/runc",
        "/run/crun",
        "/run/containerd/runc/*",
        "/run/docker/runtime-runc/moby",
    };
    // Bundle directories tried when no state file names the bundle; "{id}" is replaced.
    std::vector<std::string> bundle_dirs = {
        "/run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}",
        "/run/containerd/io.containerd.runtime.v2.task/default/{id}",
        "/run/containerd/io.containerd.runtime.v2.task/moby/{id}",
        "/run/containers/storage/overlay-containers/{id}/userdata",
        "/var/lib/containers/storage/overlay-containers/{id}/userdata",
    };
    // containers/storage roots (podman, CRI-O): container names, image names and digests.
    std::vector<std::string> storage_roots = {"/var/lib/containers/storage"};
    // Ask podman for what only its database holds (labels, pod name).
    bool ask_podman = true;
    // Ask containerd (`ctr`) for what only its database holds (image, labels) of a
    // container no CRI annotation describes.
    bool ask_containerd = true;
};

// The container ID in a /proc/<pid>/cgroup text: the last 64-hex-digit name in the
// process's cgroup path ("libpod-<id>.scope", "crio-<id>.scope", "cri-containerd-<id>",
// "docker-<id>.scope", ".../<id>"), or "".
std::string container_id_from_cgroup(const std::string& cgroup_text);

// Collects a container's metadata from the runtimes' own state, read-only: cgroup (or the
// runtime state whose init has the container's root) -> container ID -> state file -> OCI
// bundle (config.json annotations) -> pod sandbox -> containers/storage records, dockerd's
// records -> podman, containerd. Any source may be missing or malformed; what
// could not be read is simply left empty.
class MetadataResolver {
  public:
    explicit MetadataResolver(RuntimePaths paths = {});

    ContainerMetadata resolve_pid(pid_t pid, const std::string& proc = "/proc") const;
    // resolve_pid(), or for a step of an image build (image_builds.h) what its builder
    // records, with `builder` set. `upperdir` and `root_dev` are the container's writable
    // layer and root overlay device.
    ContainerMetadata resolve_container(pid_t pid, const std::string& upperdir,
                                        std::uint32_t root_dev,
                                        const std::string& proc = "/proc") const;
    // `id` is a runtime's container ID: 64 hex digits, or for runtimes that let their user
    // name it (`ctr run`), a name runc accepts.
    ContainerMetadata resolve_id(const std::string& id, const std::string& proc = "/proc") const;

  private:
    struct Bundle {
        std::string dir;
        std::string runtime;
        long long init_pid = 0;  // from the runtime state, when one names the bundle
    };
    Bundle find_bundle(const std::string& id) const;
    nlohmann::json read_bundle_config(const std::string& bundle) const;
    void apply_storage_records(ContainerMetadata& metadata) const;
    void apply_podman(ContainerMetadata& metadata) const;
    void apply_containerd(ContainerMetadata& metadata, long long init_pid,
                          const std::string& proc) const;

    RuntimePaths paths_;
};

}  // namespace driftguard::runtime
