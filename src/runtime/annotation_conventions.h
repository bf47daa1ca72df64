#pragma once

#include <map>
#include <string>

#include "runtime/container_metadata.h"

namespace driftguard::runtime {

using Annotations = std::map<std::string, std::string>;

// Fills what the runtimes write into a container's OCI annotations, by their documented
// conventions:
//   podman      io.container.manager=libpod
//   CRI-O       io.container.manager=cri-o, io.kubernetes.cri-o.{Labels,ImageName,
//               ImageRef,ContainerName,SandboxID}, io.kubernetes.pod.{name,namespace,uid},
//               io.kubernetes.container.name (kubelet's labels, also inside Labels)
//   containerd  io.kubernetes.cri.{container-name,sandbox-name,sandbox-namespace,
//               sandbox-uid,sandbox-id,image-name,container-type}
// Keeps every annotation in metadata.annotations. Values it cannot parse (a Labels
// annotation that is not a JSON object of strings) are ignored, never fatal.
void apply_annotations(const Annotations& annotations, ContainerMetadata& metadata);

// The ID of the pod sandbox a CRI container belongs to (CRI-O or containerd), or "".
std::string sandbox_id(const Annotations& annotations);

// Pod labels from a CRI-O sandbox's annotations (io.kubernetes.cri-o.Labels, without the
// io.kubernetes.* keys the kubelet adds).
std::map<std::string, std::string> sandbox_pod_labels(const Annotations& sandbox_annotations);

}  // namespace driftguard::runtime
