#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/metadata_resolver.h"
#include "runtime/runtime_state.h"

namespace driftguard::runtime {

// A container that is one step of an image build, as the builder's own state on the host
// describes it.
struct BuildStep {
    std::string builder;     // "buildah" (podman build, buildah run) or "buildkit"
    std::string id;          // the builder's container ID
    std::string name;        // buildah's working-container name
    std::string image_name;  // the image the step starts from, when the builder records it
    std::string image_id;
    std::string image_digest;
};

// Recognises image builds from state only the host can write, never from anything inside
// the container (its files, processes, cgroup names or labels):
//  - buildah (and podman build, which is buildah): the container's upper directory is the
//    layer of a containers/storage container whose userdata holds buildah.json, the
//    working-container record buildah alone writes;
std::optional<BuildStep> buildah_step(const RuntimePaths& paths, const std::string& upperdir);
//  - BuildKit (buildkitd, docker build): the OCI runtime state whose init process, the same
//    process (pid and start time), has this container's root (find_state_by_root) has its
//    bundle in a BuildKit executor directory (<root>/executor/<id>, <root> being BuildKit's
//    state directory).
std::optional<BuildStep> buildkit_step(const RuntimeState& state);
// Both, `root_dev` being the container's overlay's kernel s_dev.
std::optional<BuildStep> find_build_step(const RuntimePaths& paths, const std::string& upperdir,
                                         std::uint32_t root_dev, const std::string& proc = "/proc");

}  // namespace driftguard::runtime
