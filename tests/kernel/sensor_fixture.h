#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/kernel_dev.h"
#include "kernel/sensor.h"
#include "overlay_container.h"

namespace driftguard::testing {

// The backend the kernel tier runs under: DRIFTGUARD_TEST_BACKEND=lsm|fmod_ret|kill (the VM
// tests run it under each; kill by default, the one every kernel loads).
inline kernel::Enforcement test_enforcement() {
    const char* name = std::getenv("DRIFTGUARD_TEST_BACKEND");
    const std::string backend = name != nullptr ? name : "kill";
    if (backend == "lsm") {
        return kernel::Enforcement::lsm;
    }
    if (backend == "fmod_ret") {
        return kernel::Enforcement::fmod_ret;
    }
    return kernel::Enforcement::kill;
}

// True when drift is denied (EPERM from the security hook) rather than killed.
inline bool denies() {
    return test_enforcement() != kernel::Enforcement::kill;
}

// The verdict drift in enforce at `hook` gets under the backend of this run: writes into
// another process's memory have no hook that can deny, and are killed by every backend.
inline dg_verdict blocked_verdict(dg_hook hook = DG_HOOK_EXEC) {
    return denies() && hook != DG_HOOK_MEM_WRITE ? DG_VERDICT_DENY : DG_VERDICT_KILL;
}

// io_uring's opens: the kill backend sees them at io_uring's own tracepoints; the security
// hooks see them in file_open like any other open.
inline dg_hook uring_hook() {
    return denies() ? DG_HOOK_PROC_MEM : DG_HOOK_URING;
}

// Loads the real sensor once per suite, scoped to the one container of the current test
// (never to every container: a stray scope must not touch the machine's real containers).
class SensorTest : public ::testing::Test {
  protected:
    // A container key no real superblock has: judges nothing.
    static constexpr std::uint32_t kNoContainer = 0xffffffffu;

    static void SetUpTestSuite() {
        if (::geteuid() != 0) {
            return;
        }
        auto started = start_sensor(DG_MODE_ENFORCE, kNoContainer,
                                    [](const dg_event& event) { events_.push_back(event); });
        if (!started) {
            start_error_ = started.error().message;
            return;
        }
        sensor_ = std::move(started.value());
    }
    static void TearDownTestSuite() { sensor_.reset(); }

    // Loads the real sensor, unpinned, judging only `only_container` (0: every container).
    static Result<std::unique_ptr<kernel::Sensor>> start_sensor(
        dg_mode default_mode, std::uint32_t only_container, kernel::Sensor::EventHandler handler) {
        struct stat root {};
        ::stat("/", &root);
        kernel::SensorConfig config;
        config.default_mode = default_mode;
        config.host_root_dev = kernel_dev(root.st_dev);
        config.only_container_dev = only_container;
        config.enforcement = test_enforcement();
        return kernel::Sensor::start(config, std::move(handler));
    }

    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "loading BPF programs and mounting overlayfs need root";
        }
        ASSERT_TRUE(sensor_) << start_error_;
        container_ = std::make_unique<OverlayContainer>(options());
        sensor_->set_default_mode(DG_MODE_ENFORCE);
        sensor_->set_only_container(container_->dev());
        drain();
        events_.clear();
    }
    void TearDown() override {
        if (sensor_) {
            sensor_->set_only_container(kNoContainer);
            // Overlay device numbers are reused by the next test's container.
            (void)sensor_->clear_container_mode(container_->dev());
        }
        container_.reset();
    }
    virtual OverlayContainer::Options options() const { return {}; }

    // Events of this test's container since the last drain, once the ring buffer is quiet.
    std::vector<dg_event> drain() {
        for (int round = 0; round < 20; ++round) {
            auto handled = sensor_->poll(20);
            if (handled.ok() && handled.value() == 0 && round > 0) {
                break;
            }
        }
        std::vector<dg_event> mine;
        for (const auto& event : events_) {
            if (container_ && event.container_dev == container_->dev()) {
                mine.push_back(event);
            }
        }
        events_.clear();
        return mine;
    }

    // Runs `argv` and expects drift of `kind` at `hook` to be stopped before it ran: killed
    // (kill backend), or denied with the caller going on (lsm, fmod_ret: never SIGKILL).
    // Returns the event (zeroed if there was none).
    dg_event expect_blocked(const std::vector<std::string>& argv, dg_hook hook, dg_kind kind,
                            const std::vector<std::string>& env = {}) {
        container_->clear_marker();
        auto outcome = container_->run(argv, env);
        if (blocked_verdict(hook) == DG_VERDICT_DENY) {
            EXPECT_FALSE(outcome.killed) << argv[0] << " was killed instead of denied";
        } else {
            EXPECT_TRUE(outcome.killed)
                << argv[0] << " was not killed (exit " << outcome.exit_code << ")";
        }
        EXPECT_FALSE(container_->marker_present()) << "drifted code ran before the verdict";
        auto events = drain();
        if (events.empty()) {
            ADD_FAILURE() << "no event for " << argv[0];
            return dg_event{};
        }
        const dg_event& event = events.back();
        EXPECT_EQ(event.hook, hook);
        EXPECT_EQ(event.kind, kind);
        EXPECT_EQ(event.verdict, blocked_verdict(hook));
        EXPECT_EQ(event.mode, DG_MODE_ENFORCE);
        return event;
    }

    // Runs `argv` and expects it to exit 0 with no drift event.
    void expect_runs(const std::vector<std::string>& argv,
                     const std::vector<std::string>& env = {}) {
        auto outcome = container_->run(argv, env);
        EXPECT_FALSE(outcome.killed) << argv[0] << " was killed";
        EXPECT_EQ(outcome.exit_code, 0) << argv[0];
        auto events = drain();
        for (const auto& event : events) {
            ADD_FAILURE() << "unexpected drift event: hook " << event.hook << " kind " << event.kind
                          << " path " << event.path << " name " << event.name;
        }
    }

    static inline std::unique_ptr<kernel::Sensor> sensor_;
    static inline std::vector<dg_event> events_;
    static inline std::string start_error_;
    std::unique_ptr<OverlayContainer> container_;
};

}  // namespace driftguard::testing
