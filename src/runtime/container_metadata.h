#pragma once

#include <map>
#include <string>

namespace driftguard::runtime {

// What is known of a container beyond its root filesystem: who runs it and from which
// image. Every field may be empty: metadata only ever adds detail to events and policy
// selection, the kernel judges without it.
struct ContainerMetadata {
    std::string id;            // the runtime's container ID (64 hex digits)
    std::string name;          // the runtime's name for it ("web-1", "shop-app")
    std::string runtime;       // podman, cri-o, containerd, docker; or runc/crun when unknown
    std::string bundle;        // the OCI bundle directory (holds config.json)
    std::string image_name;    // as the user wrote it, e.g. docker.io/library/nginx:1.27
    std::string image_id;      // the image's config digest (the runtime's image ID)
    std::string image_digest;  // the manifest digest, sha256:...
    std::string pod_name;      // Kubernetes pod (or podman pod)
    std::string pod_namespace;
    std::string pod_uid;
    std::string pod_container;                       // the container's name inside its pod spec
    std::map<std::string, std::string> labels;       // pod labels (or container labels)
    std::map<std::string, std::string> annotations;  // the bundle's OCI annotations
    // The image builder whose build step this container is ("buildah", "buildkit"), from
    // the builder's own state on the host; "" for a workload.
    std::string builder;
};

}  // namespace driftguard::runtime
