// Kernel tier: what the image holds runs untouched, however it is invoked.
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>

#include "common/kernel_dev.h"
#include "sensor_fixture.h"

namespace driftguard::testing {
namespace {

using SensorAllows = SensorTest;

TEST_F(SensorAllows, ImageBinaryAndBusyboxAppletSymlinks) {
    expect_runs({"/bin/busybox", "true"});
    expect_runs({"/bin/true"});
}

TEST_F(SensorAllows, DynamicBinaryWithItsLibraries) {
    expect_runs({"/usr/bin/true"});
}

TEST_F(SensorAllows, LdSoOfAnImageBinary) {
    expect_runs({"/lib64/ld-linux-x86-64.so.2", "/usr/bin/true"});
}

TEST_F(SensorAllows, LdPreloadOfAnImageLibrary) {
    expect_runs({"/usr/bin/true"}, {"LD_PRELOAD=/usr/lib/image/libz.so.1"});
}

TEST_F(SensorAllows, ImageScript) {
    expect_runs({"/bin/image-script.sh"});
}

TEST_F(SensorAllows, ShellChains) {
    expect_runs({"/bin/sh", "-c", "true && /bin/true; /usr/bin/true"});
}

TEST_F(SensorAllows, MprotectOfAnImageFileMapping) {
    expect_runs({"/bin/drift_helper", "mprotect", "/bin/busybox"});
}

TEST_F(SensorAllows, VerifiedCopyUpUntilItChanges) {
    // chmod copies /bin/target up with unchanged content (no metacopy here).
    expect_runs({"/bin/chmod", "0755", "/bin/target"});
    // Before verification it is upper-layer data like any drop: the documented window.
    dg_event before = expect_blocked({"/bin/target", "true"}, DG_HOOK_EXEC, DG_KIND_UPPER);

    struct stat upper {};
    ASSERT_EQ(::stat((container_->upper() + "/bin/target").c_str(), &upper), 0);
    dg_inode_key key{static_cast<__u64>(upper.st_ino), kernel_dev(upper.st_dev), 0};
    dg_allowed allowed{upper.st_ctim.tv_sec, static_cast<__u32>(upper.st_ctim.tv_nsec), 0};
    EXPECT_EQ(before.upper_ino, key.ino);
    EXPECT_EQ(before.upper_dev, key.dev);
    ASSERT_TRUE(sensor_->allow_inode(key, allowed).ok());
    expect_runs({"/bin/target", "true"});

    // Any later change moves ctime and voids the verification.
    expect_runs({"/bin/sh", "-c", "echo >> /bin/target"});
    expect_blocked({"/bin/target", "true"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    ASSERT_TRUE(sensor_->forget_inode(key).ok());
}

TEST_F(SensorAllows, OffModeJudgesNothing) {
    container_->put(payload_path("marker_payload"), "/tmp/payload");
    ASSERT_TRUE(sensor_->set_container_mode(container_->dev(), DG_MODE_OFF).ok());
    auto outcome = container_->run({"/tmp/payload"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_TRUE(drain().empty());
    ASSERT_TRUE(sensor_->clear_container_mode(container_->dev()).ok());
}

TEST_F(SensorAllows, HostProcessesAreNeverTouched) {
    // The payload runs on the host (no chroot), from a temporary directory: out of
    // scope, whatever the mode. It leaves its marker in its working directory.
    const std::string host_dir = container_->upper() + "/../host";
    std::filesystem::create_directories(host_dir);
    const std::string host_copy = host_dir + "/payload";
    std::filesystem::copy_file(payload_path("marker_payload"), host_copy);
    pid_t child = ::fork();
    if (child == 0) {
        if (::chdir(host_dir.c_str()) != 0) {
            _exit(120);
        }
        ::execl(host_copy.c_str(), "payload", nullptr);
        _exit(121);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(std::filesystem::exists(host_dir + "/drift-marker"))
        << "the host payload did not run";
    EXPECT_TRUE(drain().empty());
}

class SensorAllowsMetacopy : public SensorTest {
    OverlayContainer::Options options() const override { return {.metacopy = true}; }
};

TEST_F(SensorAllowsMetacopy, ChmodCopyUpKeepsTheImageData) {
    expect_runs({"/bin/chmod", "0700", "/bin/target"});
    expect_runs({"/bin/target", "true"});
}

}  // namespace
}  // namespace driftguard::testing
