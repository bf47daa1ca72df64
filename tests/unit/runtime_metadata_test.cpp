// Container metadata from runtime state files: a real podman + runc container captured on
// a test machine, and CRI-O, containerd and crun layouts derived from their documented
// formats (tests/fixtures/runtime/*/README.md).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <filesystem>

#include "runtime/containerd_records.h"
#include "runtime/metadata_resolver.h"
#include "runtime/runtime_state.h"

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
    paths.ask_containerd = false;
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

TEST(MetadataResolver, DockerContainerFromDockerdsRecord) {
    const std::string id = "b6ee31407e478e403f6d6495f2d851d4bf5ac191f930f3d48fc1f168465cee73";
    const auto metadata = fixture_resolver("docker").resolve_id(id);
    EXPECT_EQ(metadata.runtime, "docker");
    EXPECT_EQ(metadata.name, "web-1");
    EXPECT_EQ(metadata.image_name, "localhost/driftguard-test/busybox:a68df74866ca09f5");
    EXPECT_EQ(metadata.image_id,
              "sha256:07a34ee64b151d5977eb3c14fb136d90b527ea6d7c806ddd97bff9a04e3e8014");
    EXPECT_EQ(metadata.image_digest,
              "localhost/driftguard-test/busybox@sha256:" + std::string(64, '1'));
    EXPECT_EQ(metadata.labels.at("team"), "blue");
    EXPECT_TRUE(metadata.builder.empty());
}

TEST(MetadataResolver, DockerClassicBuildStepIsABuild) {
    const auto metadata = fixture_resolver("docker").resolve_id(
        "140204131bd2aeeb5c652cf455d4f818585f96116781d45968bca895b02b48a1");
    EXPECT_EQ(metadata.runtime, "docker");
    EXPECT_EQ(metadata.builder, "docker");
    EXPECT_TRUE(metadata.image_name.starts_with("sha256:"));
}

TEST(MetadataResolver, RuntimeIdsThatNameNoPathAreAccepted) {
    auto resolver = fixture_resolver("cri-o");
    EXPECT_EQ(resolver.resolve_id("web_1.example-2").id, "web_1.example-2");
    EXPECT_TRUE(resolver.resolve_id("..").id.empty());
    EXPECT_TRUE(resolver.resolve_id("a/b").id.empty());
    EXPECT_TRUE(resolver.resolve_id("").id.empty());
}

TEST(RuntimeState, StarStandsForEveryNamespaceDirectory) {
    RuntimePaths paths;
    paths.host_root = kFixtures + "containerd";
    paths.state_dirs = {"/run/containerd/runc/*", "/run/runc"};
    const auto dirs = state_directories(paths);
    ASSERT_EQ(dirs.size(), 2U);
    EXPECT_EQ(dirs[0], "/run/containerd/runc/k8s.io");
    EXPECT_EQ(dirs[1], "/run/runc");
}

TEST(ContainerdRecords, ShimCommandLineGivesTheDaemonsSocket) {
    namespace fs = std::filesystem;
    const fs::path proc = fs::temp_directory_path() / ("dg-proc-" + std::to_string(::getpid()));
    auto write = [&](const std::string& relative, const std::string& text) {
        fs::create_directories((proc / relative).parent_path());
        std::ofstream(proc / relative, std::ios::binary) << text;
    };
    // init 300 -> runc create 200 -> shim 100
    write("300/stat", "300 (sleep) S 200 300 300 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 9000 0 0");
    write("200/stat", "200 (runc) S 100 200 200 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 8000 0 0");
    using namespace std::string_literals;
    write("200/cmdline", "runc\0create\0"s);
    write("100/cmdline",
          "/usr/bin/containerd-shim-runc-v2\0-namespace\0ns1\0-id\0web\0-address\0/run/c.sock\0"s);
    const auto task = containerd_task_of("/run/containerd/io.containerd.runtime.v2.task/ns1/web",
                                         "web", 300, proc.string());
    ASSERT_TRUE(task);
    EXPECT_EQ(task->name_space, "ns1");
    EXPECT_EQ(task->address, "/run/c.sock");
    // a shim of another container is not taken
    const auto other = containerd_task_of("/run/containerd/io.containerd.runtime.v2.task/ns1/db",
                                          "db", 300, proc.string());
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->address.empty());
    EXPECT_FALSE(containerd_task_of("/run/other/ns1/web", "web", 300, proc.string()));
    fs::remove_all(proc);
}

TEST(ContainerdRecords, DigestFromCtrsImageTable) {
    const std::string table =
        "REF TYPE DIGEST SIZE PLATFORMS LABELS\n"
        "docker.io/library/redis:7 application/vnd.oci.image.index.v1+json "
        "sha256:aaaa 40.1 MiB linux/amd64 -\n"
        "docker.io/library/nginx:1 application/vnd.oci.image.index.v1+json "
        "sha256:bbbb 60.0 MiB linux/amd64 -\n";
    EXPECT_EQ(digest_from_image_table(table, "docker.io/library/nginx:1"), "sha256:bbbb");
    EXPECT_EQ(digest_from_image_table(table, "docker.io/library/nginx"), "");
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
