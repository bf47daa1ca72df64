// Container metadata from runtime state files: a real podman + runc container captured on
// a test machine, and CRI-O, containerd and crun layouts derived from their documented
// formats (tests/fixtures/runtime/*/README.md).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "runtime/metadata_resolver.h"

namespace driftguard::runtime {
namespace {

const std::string kFixtures = std::string(DRIFTGUARD_SOURCE_DIR) + "/tests/fixtures/runtime/";

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

MetadataResolver fixture_resolver(const std::string& runtime) {
    RuntimePaths paths;
    paths.host_root = kFixtures + runtime;
    paths.ask_podman = false;
    return MetadataResolver(paths);
}

TEST(ContainerIdFromCgroup, FindsTheIdInEachRuntimesCgroupPath) {
    EXPECT_EQ(container_id_from_cgroup(read_text(kFixtures + "podman/cgroup")),
              "31fb4845656da602ee90fddd2ac4a388e30fbb82eacc13b28a4b95d920fd0ac1");
    EXPECT_EQ(container_id_from_cgroup(read_text(kFixtures + "cri-o/cgroup")),
              std::string(64, 'c'));
    EXPECT_EQ(container_id_from_cgroup(read_text(kFixtures + "containerd/cgroup")),
              std::string(64, 'd'));
    EXPECT_EQ(
        container_id_from_cgroup("0::/system.slice/docker-" + std::string(64, 'a') + ".scope\n"),
        std::string(64, 'a'));
    EXPECT_EQ(container_id_from_cgroup("0::/user.slice/session-3.scope\n"), "");
    EXPECT_EQ(container_id_from_cgroup("0::/" + std::string(63, 'a') + "\n"), "");
}

TEST(MetadataResolver, PodmanContainerFromRealStateFiles) {
    const auto metadata = fixture_resolver("podman").resolve_id(
        "31fb4845656da602ee90fddd2ac4a388e30fbb82eacc13b28a4b95d920fd0ac1");
    EXPECT_EQ(metadata.runtime, "podman");
    EXPECT_EQ(metadata.name, "web-1");
    EXPECT_EQ(metadata.image_name, "localhost/driftguard-test/busybox:a68df74866ca09f5");
    EXPECT_EQ(metadata.image_id,
              "47daefba8e5f844c92124c4265ce601e2eb56e1069193b80a79b2fbb03ce2bdf");
    EXPECT_EQ(metadata.image_digest,
              "sha256:97a41a06be83b7a0ec814c2960188eece689addabeec14f14a96af3cc8e37fcf");
    EXPECT_EQ(metadata.bundle,
              "/var/lib/containers/storage/overlay-containers/"
              "31fb4845656da602ee90fddd2ac4a388e30fbb82eacc13b28a4b95d920fd0ac1/userdata");
    EXPECT_EQ(metadata.annotations.at("team"), "blue");
    EXPECT_TRUE(metadata.pod_name.empty());
}

TEST(MetadataResolver, CriOContainerWithPodLabelsFromItsSandbox) {
    const auto metadata = fixture_resolver("cri-o").resolve_id(std::string(64, 'c'));
    EXPECT_EQ(metadata.runtime, "cri-o");
    EXPECT_EQ(metadata.pod_name, "wordpress-7d9f8b6c5d-x2x4q");
    EXPECT_EQ(metadata.pod_namespace, "blog");
    EXPECT_EQ(metadata.pod_uid, "0f1e2d3c-4b5a-6978-8899-aabbccddeeff");
    EXPECT_EQ(metadata.pod_container, "wordpress");
    EXPECT_EQ(metadata.image_name, "docker.io/library/wordpress:6.6-apache");
    EXPECT_EQ(metadata.image_digest,
              "sha256:1111111111111111111111111111111111111111111111111111111111111111");
    const std::map<std::string, std::string> pod_labels = {
        {"app", "wordpress"}, {"pod-template-hash", "7d9f8b6c5d"}, {"tier", "frontend"}};
    EXPECT_EQ(metadata.labels, pod_labels);
}

TEST(MetadataResolver, ContainerdCriContainer) {
    const auto metadata = fixture_resolver("containerd").resolve_id(std::string(64, 'd'));
    EXPECT_EQ(metadata.runtime, "containerd");
    EXPECT_EQ(metadata.pod_name, "mariadb-0");
    EXPECT_EQ(metadata.pod_namespace, "blog");
    EXPECT_EQ(metadata.pod_uid, "11112222-3333-4444-5555-666677778888");
    EXPECT_EQ(metadata.pod_container, "mariadb");
    EXPECT_EQ(metadata.name, "mariadb-0/mariadb");
    EXPECT_EQ(metadata.image_name, "docker.io/library/mariadb:11.4");
}

TEST(MetadataResolver, CrunStatusNamesTheBundle) {
    const auto metadata = fixture_resolver("crun").resolve_id(std::string(64, 'c'));
    EXPECT_EQ(metadata.runtime, "crun");
    EXPECT_EQ(metadata.bundle, "/bundle");
    EXPECT_EQ(metadata.annotations.at("org.example.team"), "payments");
}

TEST(MetadataResolver, UnknownOrMalformedIdsGiveEmptyMetadata) {
    auto resolver = fixture_resolver("cri-o");
    EXPECT_TRUE(resolver.resolve_id(std::string(64, 'f')).bundle.empty());
    EXPECT_TRUE(resolver.resolve_id("../../etc").id.empty());
}

TEST(AnnotationConventions, MalformedCriOLabelsAreIgnored) {
    ContainerMetadata metadata;
    apply_annotations({{"io.container.manager", "cri-o"},
                       {"io.kubernetes.cri-o.Labels", "{not json"},
                       {"io.kubernetes.pod.namespace", "blog"}},
                      metadata);
    EXPECT_EQ(metadata.runtime, "cri-o");
    EXPECT_EQ(metadata.pod_namespace, "blog");
    EXPECT_TRUE(sandbox_pod_labels({{"io.kubernetes.cri-o.Labels", "[1,2]"}}).empty());
    EXPECT_TRUE(sandbox_pod_labels({{"io.kubernetes.cri-o.Labels", "{\"a\": 1}"}}).empty());
}

}  // namespace
}  // namespace driftguard::runtime
