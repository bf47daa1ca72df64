#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace driftguard::runtime {

// What dockerd records of one of its containers: <data-root>/containers/<id>/config.v2.json
// and hostconfig.json, written by dockerd on the host.
struct DockerRecord {
    std::string name;          // without Docker's leading '/'
    std::string image_name;    // as the user wrote it ("nginx:1.27"); an image ID for a build step
    std::string image_id;      // sha256:...
    std::string image_digest;  // repo@sha256:... when the image came from a registry
    std::map<std::string, std::string> labels;
    // A RUN step of Docker's classic builder (`DOCKER_BUILDKIT=0 docker build`): dockerd's
    // builder creates these containers from an image ID, with logging off and the image's
    // health check removed, which `docker run` never does unless its user asks for all three.
    bool classic_build_step = false;
};

// Docker's record of container `id`, found through the OCI bundle dockerd wrote for it:
// `bundle_config` is that bundle's config.json, whose /etc/hostname bind mount comes from
// <data-root>/containers/<id>/hostname (so a daemon with any --data-root is found). Nothing
// when the bundle is not Docker's or the record cannot be read. Paths are read under
// `host_root`.
std::optional<DockerRecord> read_docker_record(const std::string& host_root,
                                               const nlohmann::json& bundle_config,
                                               const std::string& id);

}  // namespace driftguard::runtime
