// Kernel tier: the ways a process inside a container tries to get code that is not the
// image's running past the sensor (another root, code the kernel maps for it, script
// chains, partial range checks, other entries into the kernel, changing a verified file
// without moving its ctime). Each must end like a plain drop: killed before it ran.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/kernel_dev.h"
#include "runtime/container_discovery.h"
#include "sensor_fixture.h"

namespace driftguard::testing {
namespace {

namespace fs = std::filesystem;

class SensorBypass : public SensorTest {
  protected:
    void write_script(const std::string& path, const std::string& text) {
        const std::string host_path = container_->merged() + path;
        std::ofstream(host_path) << text;
        fs::permissions(host_path, fs::perms(0755));
    }
    // A second sensor besides the suite's, loaded now, collecting its events into `events`.
    static Result<std::unique_ptr<kernel::Sensor>> start_second_sensor(
        dg_mode default_mode, std::uint32_t only_container, std::vector<dg_event>& events) {
        return start_sensor(default_mode, only_container,
                            [&events](const dg_event& event) { events.push_back(event); });
    }
    void mount_tmpfs_at_mnt() {
        ASSERT_EQ(::mount("tmpfs", (container_->merged() + "/mnt").c_str(), "tmpfs", 0, nullptr),
                  0);
    }
};

// ---- 1. a root the process can leave --------------------------------------------------

TEST_F(SensorBypass, ChrootIntoATmpfsAndRunADrop) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    // Scope is the process's for life: its new root does not take it out of the container.
    expect_blocked({"/bin/drift_helper", "chroot-exec", "/mnt", "/payload"}, DG_HOOK_EXEC,
                   DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, RootMovedUnderAChildThatSharesItsFsStruct) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    // The child never calls chroot itself: its parent's chroot moves both.
    expect_blocked({"/bin/drift_helper", "clone-fs-exec", "/mnt", "/payload"}, DG_HOOK_EXEC,
                   DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, OneThreadChrootsAnotherExecs) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    expect_blocked({"/bin/drift_helper", "thread-chroot-exec", "/mnt", "/payload"}, DG_HOOK_EXEC,
                   DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, PivotRootMovesAProcessThatNeverCalledIt) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    // pivot_root moves every process of the mount namespace whose root was the old one.
    expect_blocked({"/bin/drift_helper", "pivot-sibling-exec", "/mnt", "/payload"}, DG_HOOK_EXEC,
                   DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, SetnsIntoAnotherMountNamespace) {
    // A descriptor of the host's mount namespace leaked into the container (opened before
    // the chroot): joining it moves the process's root to the host's, and the host's
    // files are not the image's.
    const int host_ns = ::open("/proc/self/ns/mnt", O_RDONLY);  // inherited by the child
    ASSERT_GE(host_ns, 0);
    expect_blocked({"/bin/drift_helper", "setns-exec", std::to_string(host_ns), "/bin/true"},
                   DG_HOOK_EXEC, DG_KIND_OTHER_FS);
    ::close(host_ns);
}

TEST_F(SensorBypass, ChrootCommandIntoATmpfs) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    expect_blocked({"/bin/chroot", "/mnt", "/payload"}, DG_HOOK_EXEC, DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, ChrootIntoAFreshOverlayAndRunItsUpperLayer) {
    const std::string nested = container_->upper() + "/../nested";
    for (const char* dir : {"/lower", "/upper", "/work"}) {
        fs::create_directories(nested + dir);
    }
    fs::copy_file(payload_path("marker_payload"), nested + "/upper/payload");
    fs::permissions(nested + "/upper/payload", fs::perms(0755));
    const std::string options =
        "lowerdir=" + nested + "/lower,upperdir=" + nested + "/upper,workdir=" + nested + "/work";
    ASSERT_EQ(
        ::mount("overlay", (container_->merged() + "/mnt").c_str(), "overlay", 0, options.c_str()),
        0);
    expect_blocked({"/bin/drift_helper", "chroot-exec", "/mnt", "/payload"}, DG_HOOK_EXEC,
                   DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, ChrootInsideTheImageStillRunsImageFiles) {
    // A new root inside the container's own overlay: its files are still the image's.
    expect_runs({"/bin/drift_helper", "chroot-exec", "/bin", "/busybox"});
}

TEST_F(SensorBypass, ProcessThatLeftTheRootBeforeTheSensorLoaded) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/payload");
    sensor_->set_only_container(kNoContainer);  // only the late sensor below judges
    // The container's first process (root: the overlay) and a child of it that moved to
    // a tmpfs root, both started before this second sensor; the child waits for a byte.
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    pid_t init = ::fork();
    ASSERT_GE(init, 0);
    if (init == 0) {
        if (::chroot(container_->merged().c_str()) != 0 || ::chdir("/") != 0) {
            _exit(120);
        }
        pid_t child = ::fork();
        if (child == 0) {
            char byte = 0;
            if (::chroot("/mnt") != 0 || ::chdir("/") != 0 || ::read(go[0], &byte, 1) != 1) {
                _exit(120);
            }
            char* const args[] = {const_cast<char*>("/payload"), nullptr};
            ::execve("/payload", args, nullptr);
            _exit(121);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
    ::close(go[0]);
    ::usleep(100 * 1000);

    std::vector<dg_event> late_events;
    auto late = start_second_sensor(DG_MODE_ENFORCE, container_->dev(), late_events);
    ASSERT_TRUE(late) << late.error().message;

    ASSERT_EQ(::write(go[1], "x", 1), 1);
    ::close(go[1]);
    int status = 0;
    ::waitpid(init, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    if (denies()) {
        EXPECT_NE(WEXITSTATUS(status), 0) << "the drop's exec was not denied";
    } else {
        EXPECT_EQ(WEXITSTATUS(status), 128 + SIGKILL) << "the drop was not killed";
    }
    EXPECT_FALSE(container_->marker_present());
    (void)late.value()->poll(100);
    ASSERT_FALSE(late_events.empty());
    EXPECT_EQ(late_events.back().kind, DG_KIND_OTHER_FS);
    drain();
}

// ---- 2. code the kernel maps during execve -------------------------------------------

TEST_F(SensorBypass, ReplacedElfInterpreter) {
    // Every dynamic image binary now starts the dropped "loader".
    container_->put(payload_path("marker_loader"), "/lib64/ld-linux-x86-64.so.2");
    dg_event event = expect_blocked({"/usr/bin/true"}, DG_HOOK_INTERP, DG_KIND_UPPER);
    EXPECT_STREQ(event.name, "ld-linux-x86-64.so.2");
}

TEST_F(SensorBypass, ElfInterpreterRedirectedToATmpfs) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_loader"), "/mnt/loader");
    expect_runs({"/bin/rm", "/lib64/ld-linux-x86-64.so.2"});
    expect_runs({"/bin/ln", "-s", "/mnt/loader", "/lib64/ld-linux-x86-64.so.2"});
    expect_blocked({"/usr/bin/true"}, DG_HOOK_INTERP, DG_KIND_OTHER_FS);
}

// ---- 3. scripts --------------------------------------------------------------------------

TEST_F(SensorBypass, ScriptThroughEnv) {
    write_script("/tmp/run.sh", "#!/bin/env sh\ntouch /drift-marker\n");
    expect_blocked({"/tmp/run.sh"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
}

TEST_F(SensorBypass, ScriptWhoseInterpreterIsADroppedScript) {
    write_script("/tmp/outer", "#!/tmp/inner\n");
    write_script("/tmp/inner", "#!/bin/sh\ntouch /drift-marker\n");
    dg_event event = expect_blocked({"/tmp/outer"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
    // The kill backend sees the chain at the interpreter's open of each script; the
    // security hooks see the exec of each file in order, and deny at the first drift.
    EXPECT_STREQ(event.name, denies() ? "outer" : "inner");
}

TEST_F(SensorBypass, ScriptWhoseInterpreterIsADroppedBinary) {
    container_->put(payload_path("marker_payload"), "/tmp/interpreter");
    write_script("/tmp/run", "#!/tmp/interpreter\n");
    // Both are drift: the security hooks deny the script, the first of the chain; the kill
    // backend sees the exec of the interpreter.
    expect_blocked({"/tmp/run"}, denies() ? DG_HOOK_SCRIPT : DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorBypass, ImageInterpreterThatExecsAnotherBeforeOpeningTheScript) {
    write_script("/tmp/run", "#!/bin/image-interpreter\ntouch /drift-marker\n");
    dg_event event = expect_blocked({"/tmp/run"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
    EXPECT_STREQ(event.name, "run");
}

TEST_F(SensorBypass, ScriptChainsAsANonRootUser) {
    write_script("/tmp/run.sh", "#!/bin/env sh\ntouch /tmp/marker-by-nobody\n");
    write_script("/tmp/outer", "#!/tmp/inner\n");
    write_script("/tmp/inner", "#!/bin/sh\ntouch /tmp/marker-by-nobody\n");
    container_->run_as(65534);
    expect_blocked({"/tmp/run.sh"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
    expect_blocked({"/tmp/outer"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
    EXPECT_FALSE(fs::exists(container_->merged() + "/tmp/marker-by-nobody"));
}

TEST_F(SensorBypass, ImageScriptsThroughEnvAndWrappersRun) {
    expect_runs({"/bin/env", "/bin/image-script.sh"});
    expect_runs({"/bin/image-interpreter", "/bin/image-script.sh"});
    write_script("/bin/image-script.sh", "#!/bin/env sh\nexit 0\n");  // now a copy-up: drift
    expect_blocked({"/bin/image-script.sh"}, DG_HOOK_SCRIPT, DG_KIND_UPPER);
}

// ---- 4. every mapping of a range -----------------------------------------------------------

TEST_F(SensorBypass, MprotectOverAnAnonymousPageAndADroppedFile) {
    container_->put(payload_path("marker_payload"), "/tmp/blob", 0644);
    expect_blocked({"/bin/drift_helper", "mprotect-range", "/tmp/blob"}, DG_HOOK_MPROTECT,
                   DG_KIND_UPPER);
}

TEST_F(SensorBypass, MprotectOverAnAnonymousPageAndAnImageFileRuns) {
    expect_runs({"/bin/drift_helper", "mprotect-range", "/bin/busybox"});
}

TEST_F(SensorBypass, MprotectOverMoreMappingsThanTheSensorWalksFailsClosed) {
    container_->put(payload_path("marker_payload"), "/tmp/blob", 0644);
    // The security hook sees every mapping of the range, one call each: no limit to reach.
    expect_blocked({"/bin/drift_helper", "mprotect-many", "/tmp/blob"}, DG_HOOK_MPROTECT,
                   denies() ? DG_KIND_UPPER : DG_KIND_UNCHECKED);
}

// ---- personality(READ_IMPLIES_EXEC): PROT_READ that the kernel makes executable ------------

TEST_F(SensorBypass, ReadImpliesExecMmapOfADroppedFile) {
    container_->put(payload_path("marker_payload"), "/tmp/blob", 0644);
    expect_blocked({"/bin/drift_helper", "rie-map", "/tmp/blob"}, DG_HOOK_MMAP, DG_KIND_UPPER);
}

TEST_F(SensorBypass, ReadImpliesExecMprotectOfADroppedFile) {
    container_->put(payload_path("marker_payload"), "/tmp/blob", 0644);
    expect_blocked({"/bin/drift_helper", "rie-mprotect", "/tmp/blob"}, DG_HOOK_MPROTECT,
                   DG_KIND_UPPER);
}

TEST_F(SensorBypass, ReadImpliesExecOfAnImageFileRuns) {
    expect_runs({"/bin/drift_helper", "rie-map", "/bin/busybox"});
    expect_runs({"/bin/drift_helper", "rie-mprotect", "/bin/busybox"});
}

// ---- 5. entries into the kernel around the system-call hooks ----------------------------------

TEST_F(SensorBypass, Int80MmapOfADroppedFile) {
    container_->put(payload_path("marker_payload"), "/tmp/blob", 0644);
    expect_blocked({"/bin/drift_helper", "int80-mmap", "/tmp/blob"}, DG_HOOK_MMAP, DG_KIND_UPPER);
}

TEST_F(SensorBypass, Int80MmapOfAnImageFileRuns) {
    expect_runs({"/bin/drift_helper", "int80-mmap", "/bin/busybox"});
}

TEST_F(SensorBypass, Int80WriteOpenOfProcSelfMem) {
    expect_blocked({"/bin/drift_helper", "int80-proc-mem"}, DG_HOOK_PROC_MEM, DG_KIND_PROC_MEM);
}

TEST_F(SensorBypass, IoUringWriteOpenOfProcSelfMem) {
    expect_blocked({"/bin/drift_helper", "uring-proc-mem", "plain"}, uring_hook(),
                   DG_KIND_PROC_MEM);
}

TEST_F(SensorBypass, IoUringWriteOpenIntoAFixedFileSlot) {
    expect_blocked({"/bin/drift_helper", "uring-proc-mem", "fixed"}, uring_hook(),
                   denies() ? DG_KIND_PROC_MEM : DG_KIND_UNCHECKED);
}

TEST_F(SensorBypass, IoUringWriteOpenWithItsCompletionSuppressed) {
    expect_blocked({"/bin/drift_helper", "uring-proc-mem", "skip"}, uring_hook(),
                   denies() ? DG_KIND_PROC_MEM : DG_KIND_UNCHECKED);
}

TEST_F(SensorBypass, ProcessVmWritevIntoAnotherProcess) {
    expect_blocked({"/bin/drift_helper", "vm-writev"}, DG_HOOK_MEM_WRITE, DG_KIND_PROC_MEM);
}

TEST_F(SensorBypass, PtracePokeIntoAChild) {
    expect_blocked({"/bin/drift_helper", "ptrace-poke"}, DG_HOOK_MEM_WRITE, DG_KIND_PROC_MEM);
}

// ---- copy-ups the kernel vouches for: chmod, chown, touch, then run at once ------------------

class SensorCopyUpAtOnce : public SensorBypass {
  protected:
    OverlayContainer::Options options() const override {
        OverlayContainer::Options options;
        options.new_pid_namespace = true;  // as a runtime starts it, after the sensor
        return options;
    }
};

TEST_F(SensorCopyUpAtOnce, ChmodChownTouchThenRunAtOnce) {
    expect_runs({"/bin/sh", "-c", "chmod 0755 /bin/target && /bin/target"});
    expect_runs({"/bin/sh", "-c", "touch /usr/bin/true-copy-source && /usr/bin/true-copy-source"});
    expect_runs({"/bin/sh", "-c", "chown 0:0 /usr/bin/true && /usr/bin/true"});
    // And through the loader: the copied-up libc is mapped by every dynamic program.
    expect_runs({"/bin/sh", "-c", "touch /lib/x86_64-linux-gnu/libc.so.6 && /usr/bin/true"});
}

TEST_F(SensorCopyUpAtOnce, AppendedAfterTheCopyUpIsDrift) {
    expect_runs({"/bin/sh", "-c", "chmod 0755 /bin/target && echo >> /bin/target"});
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorCopyUpAtOnce, OpenedForWritingAfterTheCopyUpIsDrift) {
    expect_runs({"/bin/sh", "-c", "chmod 0755 /bin/target && : <> /bin/target"});
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorCopyUpAtOnce, OpenedForWritingFromTheHostIsDrift) {
    expect_runs({"/bin/chmod", "0755", "/bin/target"});
    const int writer = ::open((container_->merged() + "/bin/target").c_str(), O_RDWR);
    ASSERT_GE(writer, 0);
    ::close(writer);
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorCopyUpAtOnce, TruncateByPathEndsTheKernelsWordForTheContainer) {
    expect_runs({"/bin/chmod", "0755", "/bin/target"});
    expect_runs({"/bin/drift_helper", "truncate", "/bin/target"});
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

TEST_F(SensorCopyUpAtOnce, MadeExecutableWhereTheImageWasNotIsDrift) {
    expect_runs({"/bin/chmod", "+x", "/bin/not-executable"});
    expect_blocked({"/bin/not-executable"}, DG_HOOK_EXEC, DG_KIND_UPPER);
}

// ---- 6. changing a verified file without moving its ctime ------------------------------------

class SensorVerifiedCopyUp : public SensorBypass {
  protected:
    // Copies /bin/target up unchanged (chmod) and allows it as the agent would.
    dg_inode_key verify_target() {
        expect_runs({"/bin/chmod", "0755", "/bin/target"});
        struct stat upper {};
        EXPECT_EQ(::stat((container_->upper() + "/bin/target").c_str(), &upper), 0);
        dg_inode_key key{static_cast<__u64>(upper.st_ino), kernel_dev(upper.st_dev), 0};
        dg_allowed allowed{upper.st_ctim.tv_sec, static_cast<__u32>(upper.st_ctim.tv_nsec), 0};
        EXPECT_TRUE(sensor_->allow_inode(key, allowed).ok());
        expect_runs({"/bin/target"});
        return key;
    }
};

TEST_F(SensorVerifiedCopyUp, AWriteOpenWithoutAWriteRevokesIt) {
    dg_inode_key key = verify_target();
    expect_runs({"/bin/sh", "-c", ": <> /bin/target"});  // O_RDWR: ctime does not move
    expect_blocked({"/bin/target"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    ASSERT_TRUE(sensor_->forget_inode(key).ok());
}

TEST_F(SensorVerifiedCopyUp, AWriterHoldingItOpenVoidsIt) {
    dg_inode_key key = verify_target();
    // A descriptor opened for writing before (here: outside the container's scope) can
    // change the content through a shared mapping without moving ctime.
    int writer = ::open((container_->merged() + "/bin/target").c_str(), O_RDWR);
    ASSERT_GE(writer, 0);
    expect_blocked({"/bin/drift_helper", "map-exec", "/bin/target"}, DG_HOOK_MMAP, DG_KIND_UPPER);
    ::close(writer);
    expect_runs({"/bin/drift_helper", "map-exec", "/bin/target"});
    ASSERT_TRUE(sensor_->forget_inode(key).ok());
}

// ---- 7. one container cannot blind the node ---------------------------------------------

TEST_F(SensorBypass, OneContainerCannotCrowdAnotherOutOfTheEventRing) {
    // A sensor in audit for every container (it kills nothing) whose ring is read only at
    // the end, as if its agent were stalled, while one container floods it with drift.
    std::vector<dg_event> ring;
    auto audit = start_second_sensor(DG_MODE_AUDIT, 0, ring);
    ASSERT_TRUE(audit) << audit.error().message;
    sensor_->set_only_container(kNoContainer);

    container_->put(payload_path("marker_payload"), "/tmp/flood");
    // More events than the 4 MiB ring holds (about 4,600).
    auto flood = container_->run({"/bin/drift_helper", "exec-loop", "/tmp/flood", "6000"});
    ASSERT_EQ(flood.exit_code, 0);
    OverlayContainer other;
    other.put(payload_path("marker_payload"), "/tmp/one");
    ASSERT_EQ(other.run({"/tmp/one"}).exit_code, 0);

    while (audit.value()->poll(50).value() > 0) {
    }
    const auto counters = audit.value()->counters();
    std::size_t flooding = 0, others = 0;
    for (const auto& event : ring) {
        flooding += event.container_dev == container_->dev();
        others += event.container_dev == other.dev();
    }
    EXPECT_EQ(others, 1U) << "the other container's event was crowded out";
    EXPECT_GT(counters.values[DG_COUNTER_EVENTS_THROTTLED], 0U);
    EXPECT_LT(flooding, 6000U);
    EXPECT_EQ(counters.values[DG_COUNTER_EVENTS_DROPPED], 0U) << "the ring filled up";
    EXPECT_EQ(counters.values[DG_COUNTER_AUDITS], 6001U) << "every drift is still judged";
}

// ---- identity: overlay device numbers are reused ------------------------------------------

TEST_F(SensorBypass, AModeSetForAnEarlierContainerWithTheSameKeyDoesNotApply) {
    container_->put(payload_path("marker_payload"), "/tmp/payload");
    const std::uint64_t identity = runtime::upper_identity(container_->upper());
    if (identity == 0) {
        GTEST_SKIP() << "the filesystem under " << container_->upper()
                     << " reports no inode generations (FS_IOC_GETVERSION)";
    }
    // The agent's entry names another container (same key, another upper directory).
    ASSERT_TRUE(sensor_->set_container_mode(container_->dev(), DG_MODE_OFF, 0, identity ^ 1).ok());
    dg_event event = expect_blocked({"/tmp/payload"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    EXPECT_EQ(event.container_identity, identity);
    // Written for this container, it applies.
    ASSERT_TRUE(sensor_->set_container_mode(container_->dev(), DG_MODE_OFF, 0, identity).ok());
    auto outcome = container_->run({"/tmp/payload"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_TRUE(drain().empty());
}

// ---- executable anonymous memory, where the workload's policy denies it -------------------

TEST_F(SensorBypass, AnonymousExecIsAllowedByDefault) {
    expect_runs({"/bin/drift_helper", "anon-exec"});
}

// JITs' W^X double mappings of memory only the process filled: anonymous memory.
TEST_F(SensorBypass, SharedAnonymousMemoryMadeExecutableRuns) {
    expect_runs({"/bin/drift_helper", "jit-shared-anon"});
}

TEST_F(SensorBypass, MemfdMappedSharedTwiceRuns) {
    expect_runs({"/bin/drift_helper", "jit-memfd"});
}

TEST_F(SensorBypass, UnlinkedFileMappedSharedRuns) {
    container_->put(payload_path("marker_payload"), "/tmp/scratch", 0644);
    expect_runs({"/bin/drift_helper", "unlinked-shared-exec", "/tmp/scratch"});
}

TEST_F(SensorBypass, MemfdMappedPrivateIsALoaderAndStaysDrift) {
    container_->put(payload_path("marker_payload"), "/tmp/payload", 0644);
    expect_blocked({"/bin/drift_helper", "memfd-map-private", "/tmp/payload"}, DG_HOOK_MMAP,
                   DG_KIND_MEMFD);
}

TEST_F(SensorBypass, NamedTmpfsFileMappedSharedStaysDrift) {
    mount_tmpfs_at_mnt();
    container_->put(payload_path("marker_payload"), "/mnt/code", 0644);
    expect_blocked({"/bin/drift_helper", "map-shared-exec", "/mnt/code"}, DG_HOOK_MMAP,
                   DG_KIND_OTHER_FS);
}

TEST_F(SensorBypass, DroppedFileMappedSharedStaysDrift) {
    container_->put(payload_path("marker_payload"), "/tmp/code", 0644);
    expect_blocked({"/bin/drift_helper", "map-shared-exec", "/tmp/code"}, DG_HOOK_MMAP,
                   DG_KIND_UPPER);
}

TEST_F(SensorBypass, AnonymousExecDeniedByPolicy) {
    ASSERT_TRUE(
        sensor_->set_container_mode(container_->dev(), DG_MODE_ENFORCE, DG_POLICY_DENY_ANON_EXEC)
            .ok());
    expect_runs({"/usr/bin/true"});  // an ordinary dynamic program maps no anonymous code
    auto name_of = [](const dg_event& event) {
        return std::string(event.name, strnlen(event.name, sizeof(event.name)));
    };
    // Private anonymous memory has no name; memory a file stands for is named by the kernel.
    EXPECT_EQ(name_of(expect_blocked({"/bin/drift_helper", "anon-exec"}, DG_HOOK_MPROTECT,
                                     DG_KIND_ANON_EXEC)),
              "");
    EXPECT_EQ(name_of(expect_blocked({"/bin/drift_helper", "jit-shared-anon"}, DG_HOOK_MPROTECT,
                                     DG_KIND_ANON_EXEC)),
              "dev/zero");
    EXPECT_EQ(name_of(expect_blocked({"/bin/drift_helper", "jit-memfd"}, DG_HOOK_MMAP,
                                     DG_KIND_ANON_EXEC)),
              "memfd:jit");
    ASSERT_TRUE(sensor_->clear_container_mode(container_->dev()).ok());
}

}  // namespace
}  // namespace driftguard::testing
