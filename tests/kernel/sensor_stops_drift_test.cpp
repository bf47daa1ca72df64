// Kernel tier: every kind of drift is killed before one instruction of it runs, and
// reported; under audit it runs and is reported.
#include <sys/mount.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sensor_fixture.h"

namespace driftguard::testing {
namespace {

using SensorStops = SensorTest;

TEST_F(SensorStops, DroppedBinary) {
    container_->put(payload_path("marker_payload"), "/tmp/miner");
    dg_event event = expect_blocked({"/tmp/miner"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    EXPECT_STREQ(event.path, "/tmp/miner");
    EXPECT_STREQ(event.name, "miner");
    EXPECT_NE(event.upper_ino, 0u);
    EXPECT_EQ(event.tgid, event.pid);
}

// What the workload sees: the shell that ran the drop goes on either way. Under the kill
// backend its child died of SIGKILL (137); under lsm and fmod_ret execve failed with EPERM
// and the shell says so (EPERM: "Operation not permitted", 126).
TEST_F(SensorStops, TheCallerGoesOnAndSeesTheVerdict) {
    container_->put(payload_path("marker_payload"), "/tmp/miner");
    auto outcome =
        container_->run({"/bin/sh", "-c", "/tmp/miner 2>/tmp/said; echo $? >/tmp/status"});
    EXPECT_FALSE(outcome.killed);
    EXPECT_EQ(outcome.exit_code, 0);
    auto events = drain();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].verdict, blocked_verdict());
    std::ifstream status(container_->merged() + "/tmp/status");
    int code = -1;
    status >> code;
    EXPECT_EQ(code, denies() ? 126 : 128 + SIGKILL);
    std::ifstream said(container_->merged() + "/tmp/said");
    const std::string message((std::istreambuf_iterator<char>(said)),
                              std::istreambuf_iterator<char>());
    if (denies()) {
        EXPECT_NE(message.find("Operation not permitted"), std::string::npos) << message;
    }
    EXPECT_FALSE(container_->marker_present());
}

TEST_F(SensorStops, AuditReportsAndLetsItRun) {
    container_->put(payload_path("marker_payload"), "/tmp/miner");
    ASSERT_TRUE(sensor_->set_container_mode(container_->dev(), DG_MODE_AUDIT).ok());
    auto outcome = container_->run({"/tmp/miner"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_TRUE(container_->marker_present());
    auto events = drain();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].verdict, DG_VERDICT_AUDIT);
    EXPECT_EQ(events[0].mode, DG_MODE_AUDIT);
    ASSERT_TRUE(sensor_->clear_container_mode(container_->dev()).ok());
}

TEST_F(SensorStops, CopyOfAnImageBinaryAtANewPath) {
    expect_runs({"/bin/cp", "/bin/busybox", "/tmp/list"});
    expect_blocked({"/tmp/list", "true"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, OverwrittenImageBinary) {
    container_->put(payload_path("marker_payload"), "/bin/target");
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, AppendedImageBinary) {
    expect_runs({"/bin/sh", "-c", "echo >> /bin/target"});
    expect_blocked({"/bin/target", "true"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, DropMovedOverAnImageBinary) {
    container_->put(payload_path("marker_payload"), "/tmp/payload");
    expect_runs({"/bin/mv", "/tmp/payload", "/bin/target"});
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, ChmodPlusXOfANonExecutableImageFile) {
    expect_runs({"/bin/chmod", "+x", "/bin/not-executable"});
    expect_blocked({"/bin/not-executable", "true"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, ScriptWrittenInTheContainer) {
    std::ofstream(container_->merged() + "/tmp/run.sh") << "#!/bin/sh\ntouch /drift-marker\n";
    std::filesystem::permissions(container_->merged() + "/tmp/run.sh",
                                 std::filesystem::perms(0755));
    dg_event event = expect_blocked({"/tmp/run.sh"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
    EXPECT_STREQ(event.path, "/tmp/run.sh");
    EXPECT_STREQ(event.name, "run.sh");
}

TEST_F(SensorStops, ScriptUnderAuditRunsAndIsReported) {
    std::ofstream(container_->merged() + "/tmp/run.sh") << "#!/bin/sh\ntouch /drift-marker\n";
    std::filesystem::permissions(container_->merged() + "/tmp/run.sh",
                                 std::filesystem::perms(0755));
    ASSERT_TRUE(sensor_->set_container_mode(container_->dev(), DG_MODE_AUDIT).ok());
    auto outcome = container_->run({"/tmp/run.sh"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_TRUE(container_->marker_present());
    auto events = drain();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().hook, DG_HOOK_SCRIPT);
    ASSERT_TRUE(sensor_->clear_container_mode(container_->dev()).ok());
}

TEST_F(SensorStops, BinaryOnATmpfsMount) {
    ASSERT_EQ(::mount("tmpfs", (container_->merged() + "/mnt").c_str(), "tmpfs", 0, nullptr), 0);
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    expect_blocked({"/mnt/payload"}, DG_HOOK_EXEC, DG_KIND_OTHER_FS);
}

TEST_F(SensorStops, BinaryOnABindMountedHostDirectory) {
    const std::string host_dir = container_->upper() + "/../host-volume";
    std::filesystem::create_directories(host_dir);
    std::filesystem::copy_file(payload_path("marker_payload"), host_dir + "/payload");
    ASSERT_EQ(::mount(host_dir.c_str(), (container_->merged() + "/mnt").c_str(), nullptr, MS_BIND,
                      nullptr),
              0);
    expect_blocked({"/mnt/payload"}, DG_HOOK_EXEC, DG_KIND_OTHER_FS);
}

TEST_F(SensorStops, MemfdExecveat) {
    container_->put(payload_path("marker_payload"), "/tmp/payload", 0644);
    expect_blocked({"/bin/drift_helper", "memfd", "/tmp/payload"}, DG_HOOK_EXEC, DG_KIND_MEMFD);
}

TEST_F(SensorStops, FexecveOfADeletedFile) {
    container_->put(payload_path("marker_payload"), "/tmp/payload");
    expect_blocked({"/bin/drift_helper", "fexecve-deleted", "/tmp/payload"}, DG_HOOK_EXEC,
                   DG_KIND_DELETED);
}

TEST_F(SensorStops, LdSoOfADroppedBinary) {
    container_->put(payload_path("marker_dynamic"), "/tmp/tool", 0644);
    expect_blocked({"/lib64/ld-linux-x86-64.so.2", "/tmp/tool"}, DG_HOOK_MMAP, DG_KIND_UPPER);
}

TEST_F(SensorStops, LdPreloadOfADroppedLibrary) {
    container_->put(payload_path("libmarker_library.so"), "/tmp/hook.so", 0644);
    expect_blocked({"/usr/bin/true"}, DG_HOOK_MMAP, DG_KIND_UPPER, {"LD_PRELOAD=/tmp/hook.so"});
}

TEST_F(SensorStops, SymlinkFromAnImageDirectoryToADrop) {
    container_->put(payload_path("marker_payload"), "/tmp/payload");
    expect_runs({"/bin/ln", "-s", "/tmp/payload", "/bin/innocent"});
    expect_blocked({"/bin/innocent"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, HardlinkFromAnImageDirectoryToADrop) {
    container_->put(payload_path("marker_payload"), "/tmp/payload");
    expect_runs({"/bin/ln", "/tmp/payload", "/bin/innocent"});
    expect_blocked({"/bin/innocent"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorStops, MprotectExecOfADroppedFileMapping) {
    container_->put(payload_path("marker_payload"), "/tmp/blob", 0644);
    expect_blocked({"/bin/drift_helper", "mprotect", "/tmp/blob"}, DG_HOOK_MPROTECT, DG_KIND_UPPER);
}

TEST_F(SensorStops, WriteOpenOfProcSelfMem) {
    expect_blocked({"/bin/drift_helper", "proc-mem"}, DG_HOOK_PROC_MEM, DG_KIND_PROC_MEM);
}

}  // namespace
}  // namespace driftguard::testing
