// Kernel tier: loads the build pipeline's self-test program into the running kernel,
// scopes it to one child process, and checks the event that child's exec produces.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>

#include "driftguard/abi.h"
#include "kernel/ring_buffer.h"
#include "kernel/skeletons.h"

namespace driftguard::kernel {
namespace {

TEST(SelftestProgram, ReportsTheExecOfTheScopedChildOnly) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "loading BPF programs needs root";
    }
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        char byte = 0;
        ::close(go[1]);
        if (::read(go[0], &byte, 1) != 1) {
            _exit(3);
        }
        ::execl("/bin/true", "true", nullptr);
        _exit(4);
    }
    ::close(go[0]);

    auto opened = SelftestProgram::open("selftest");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    SelftestProgram& program = opened.value();
    program->rodata->target_tgid = static_cast<__u32>(child);
    auto loaded = program.load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    auto attached = program.attach();
    ASSERT_TRUE(attached.ok()) << attached.error().message;

    std::optional<dg_selftest_event> seen;
    int other_events = 0;
    auto ring = RingBuffer::open(
        bpf_map__fd(program->maps.selftest_events),
        [&](std::span<const std::byte> record) {
            dg_selftest_event event{};
            ASSERT_EQ(record.size(), sizeof(event));
            std::memcpy(&event, record.data(), sizeof(event));
            if (event.pid == static_cast<__u32>(child)) {
                seen = event;
            } else {
                ++other_events;
            }
        },
        "selftest_events");
    ASSERT_TRUE(ring.ok()) << ring.error().message;

    // Other processes exec all the time; only the child may show up.
    ASSERT_EQ(::system("/bin/true"), 0);
    ASSERT_EQ(::write(go[1], "x", 1), 1);
    ::close(go[1]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!seen && std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(ring->poll(100).ok());
    }
    ASSERT_TRUE(seen) << "no exec event for the child";
    EXPECT_EQ(seen->abi, DG_ABI_VERSION);
    EXPECT_STREQ(seen->comm, "true");
    EXPECT_EQ(other_events, 0);
    EXPECT_EQ(program->bss->dropped_events, 0u);
}

}  // namespace
}  // namespace driftguard::kernel
