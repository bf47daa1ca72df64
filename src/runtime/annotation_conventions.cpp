#include "runtime/annotation_conventions.h"

#include <nlohmann/json.hpp>

#include "runtime/state_files.h"

namespace driftguard::runtime {
namespace {

std::string value_of(const Annotations& annotations, const std::string& key) {
    auto found = annotations.find(key);
    return found == annotations.end() ? std::string() : found->second;
}

void set_if_present(std::string& field, const Annotations& annotations, const std::string& key) {
    if (auto value = value_of(annotations, key); !value.empty()) {
        field = value;
    }
}

// io.kubernetes.cri-o.Labels: a JSON object of strings, as a string.
std::map<std::string, std::string> parse_labels(const std::string& text) {
    return string_members(nlohmann::json::parse(text, nullptr, false));
}

bool is_kubelet_key(const std::string& key) {
    return key.starts_with("io.kubernetes.");
}

}  // namespace

void apply_annotations(const Annotations& annotations, ContainerMetadata& metadata) {
    metadata.annotations = annotations;
    const std::string manager = value_of(annotations, "io.container.manager");
    if (manager == "libpod") {
        metadata.runtime = "podman";
    } else if (manager == "cri-o" || annotations.count("io.kubernetes.cri-o.ContainerType") != 0) {
        metadata.runtime = "cri-o";
    } else if (annotations.count("io.kubernetes.cri.container-type") != 0) {
        metadata.runtime = "containerd";
    }

    // CRI-O: kubelet's container labels, JSON inside one annotation.
    const auto crio_labels = parse_labels(value_of(annotations, "io.kubernetes.cri-o.Labels"));
    auto label = [&crio_labels](const std::string& key) {
        auto found = crio_labels.find(key);
        return found == crio_labels.end() ? std::string() : found->second;
    };
    if (metadata.runtime == "cri-o") {
        metadata.pod_name = label("io.kubernetes.pod.name");
        metadata.pod_namespace = label("io.kubernetes.pod.namespace");
        metadata.pod_uid = label("io.kubernetes.pod.uid");
        metadata.pod_container = label("io.kubernetes.container.name");
        set_if_present(metadata.pod_name, annotations, "io.kubernetes.pod.name");
        set_if_present(metadata.pod_namespace, annotations, "io.kubernetes.pod.namespace");
        set_if_present(metadata.pod_uid, annotations, "io.kubernetes.pod.uid");
        set_if_present(metadata.pod_container, annotations, "io.kubernetes.container.name");
        set_if_present(metadata.name, annotations, "io.kubernetes.cri-o.ContainerName");
        set_if_present(metadata.image_name, annotations, "io.kubernetes.cri-o.ImageName");
        set_if_present(metadata.image_id, annotations, "io.kubernetes.cri-o.ImageRef");
    }
    if (metadata.runtime == "containerd") {
        set_if_present(metadata.pod_name, annotations, "io.kubernetes.cri.sandbox-name");
        set_if_present(metadata.pod_namespace, annotations, "io.kubernetes.cri.sandbox-namespace");
        set_if_present(metadata.pod_uid, annotations, "io.kubernetes.cri.sandbox-uid");
        set_if_present(metadata.pod_container, annotations, "io.kubernetes.cri.container-name");
        set_if_present(metadata.image_name, annotations, "io.kubernetes.cri.image-name");
        if (metadata.name.empty() && !metadata.pod_container.empty()) {
            metadata.name = metadata.pod_name + "/" + metadata.pod_container;
        }
    }
}

std::string sandbox_id(const Annotations& annotations) {
    if (auto id = value_of(annotations, "io.kubernetes.cri-o.SandboxID"); !id.empty()) {
        return id;
    }
    return value_of(annotations, "io.kubernetes.cri.sandbox-id");
}

std::map<std::string, std::string> sandbox_pod_labels(const Annotations& sandbox_annotations) {
    std::map<std::string, std::string> labels;
    for (auto& [key, value] :
         parse_labels(value_of(sandbox_annotations, "io.kubernetes.cri-o.Labels"))) {
        if (!is_kubelet_key(key)) {
            labels[key] = value;
        }
    }
    return labels;
}

}  // namespace driftguard::runtime
