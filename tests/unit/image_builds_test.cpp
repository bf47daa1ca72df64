// Image builds are recognised from the builders' state on the host: buildah's working-
// container record (the layout podman build 4.3 leaves, as seen on a test machine) and a
// BuildKit executor bundle whose init process is checked by pid and start time.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/kernel_dev.h"
#include "runtime/image_builds.h"

namespace driftguard::runtime {
namespace {

namespace fs = std::filesystem;

const std::string kLayer = "776bc56b510b674f23bb6ca21adc043b6d35b2e0db960cac3d44792aa74711a2";
const std::string kBuildId = "28d6837751a759391170c596d175a9c45122a294dbfa68590d06547d39d7797b";
const std::string kStorage = "/var/lib/containers/storage";
const std::string kUpper = kStorage + "/overlay/" + kLayer + "/diff";

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

unsigned long long own_start_time() {
    std::ifstream file("/proc/self/stat");
    std::stringstream text;
    text << file.rdbuf();
    std::istringstream fields(text.str().substr(text.str().rfind(')') + 2));
    std::string field;
    for (int index = 3; fields >> field; ++index) {
        if (index == 22) {
            return std::stoull(field);
        }
    }
    return 0;
}

std::uint32_t own_root_dev() {
    struct stat root {};
    EXPECT_EQ(::stat("/proc/self/root/", &root), 0);
    return kernel_dev(root.st_dev);
}

class ImageBuilds : public ::testing::Test {
  protected:
    void SetUp() override {
        host_ = fs::temp_directory_path() / ("dg-builds-" + std::to_string(::getpid()));
        paths_.host_root = host_.string();
        paths_.state_dirs = {"/run/runc"};
        paths_.storage_roots = {kStorage};
    }
    void TearDown() override { fs::remove_all(host_); }

    void storage_container(const std::string& id, const std::string& layer) {
        write(host_ / ("." + kStorage + "/overlay-containers/containers.json"),
              R"([{"id":")" + id + R"(","names":["debian-working-container"],"image":"6f69",)" +
                  R"("layer":")" + layer + R"(","flags":{"Volatile":true}}])");
    }
    void buildah_record(const std::string& id) {
        write(host_ / ("." + kStorage + "/overlay-containers/" + id + "/userdata/buildah.json"),
              R"({"type":"buildah 0.0.1","image":"localhost/debian:12","image-id":"6f69",)"
              R"("image-digest":"sha256:94ea"})");
    }
    void runc_state(const std::string& id, const std::string& bundle, long long pid,
                    unsigned long long start) {
        write(host_ / ("./run/runc/" + id + "/state.json"),
              R"({"id":")" + id + R"(","init_process_pid":)" + std::to_string(pid) +
                  R"(,"init_process_start":)" + std::to_string(start) +
                  R"(,"config":{"labels":["bundle=)" + bundle + R"("]}})");
    }

    fs::path host_;
    RuntimePaths paths_;
};

TEST_F(ImageBuilds, BuildahWorkingContainerIsABuild) {
    storage_container(kBuildId, kLayer);
    buildah_record(kBuildId);
    const auto step = find_build_step(paths_, kUpper, 1);
    ASSERT_TRUE(step);
    EXPECT_EQ(step->builder, "buildah");
    EXPECT_EQ(step->id, kBuildId);
    EXPECT_EQ(step->name, "debian-working-container");
    EXPECT_EQ(step->image_name, "localhost/debian:12");
    EXPECT_EQ(step->image_digest, "sha256:94ea");
}

TEST_F(ImageBuilds, PodmanContainerWithoutBuildahRecordIsAWorkload) {
    storage_container(kBuildId, kLayer);  // the same record, no buildah.json
    EXPECT_FALSE(find_build_step(paths_, kUpper, 1));
}

TEST_F(ImageBuilds, BuildahRecordOfAnotherLayerDoesNotMakeThisOneABuild) {
    storage_container(kBuildId, std::string(64, 'e'));
    buildah_record(kBuildId);
    EXPECT_FALSE(find_build_step(paths_, kUpper, 1));
    // An upper directory outside the storage root, or not a layer's diff, is no layer.
    EXPECT_FALSE(find_build_step(paths_, "/tmp/overlay/" + kLayer + "/diff", 1));
    EXPECT_FALSE(find_build_step(paths_, kStorage + "/overlay/" + kLayer + "/work", 1));
}

TEST_F(ImageBuilds, MalformedStorageRecordsAreNotBuilds) {
    write(host_ / ("." + kStorage + "/overlay-containers/containers.json"), "[{\"layer\": 5}, 7");
    EXPECT_FALSE(find_build_step(paths_, kUpper, 1));
    storage_container("../../../../etc", kLayer);
    EXPECT_FALSE(find_build_step(paths_, kUpper, 1));
}

TEST_F(ImageBuilds, BuildkitExecutorBundleWithThisRootsInitIsABuild) {
    const std::string id = "k2v7qs1xw0e4yq3h0y9d5j2m8";
    runc_state(id, "/var/lib/docker/buildkit/executor/" + id, ::getpid(), own_start_time());
    const auto step = find_build_step(paths_, "/var/lib/docker/overlay2/x/diff", own_root_dev());
    ASSERT_TRUE(step);
    EXPECT_EQ(step->builder, "buildkit");
    EXPECT_EQ(step->id, id);
}

TEST_F(ImageBuilds, BuildkitStateMustNameALiveInitInThisRoot) {
    const std::string id = "k2v7qs1xw0e4yq3h0y9d5j2m8";
    const std::string bundle = "/var/lib/buildkit/runc-overlayfs/executor/" + id;
    // Another root: the init's root is not this container's.
    runc_state(id, bundle, ::getpid(), own_start_time());
    EXPECT_FALSE(find_build_step(paths_, "", own_root_dev() + 1));
    // A reused pid: same number, another start time.
    runc_state(id, bundle, ::getpid(), own_start_time() + 1);
    EXPECT_FALSE(find_build_step(paths_, "", own_root_dev()));
    // A bundle outside a BuildKit executor directory.
    runc_state(id, "/var/lib/containers/storage/overlay-containers/" + id, ::getpid(),
               own_start_time());
    EXPECT_FALSE(find_build_step(paths_, "", own_root_dev()));
    // The bundle's name is not the state's ID.
    runc_state(id, "/var/lib/buildkit/executor/another", ::getpid(), own_start_time());
    EXPECT_FALSE(find_build_step(paths_, "", own_root_dev()));
}

}  // namespace
}  // namespace driftguard::runtime
