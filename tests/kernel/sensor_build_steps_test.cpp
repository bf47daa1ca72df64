// Kernel tier: an image build's RUN step the agent has not decided yet. A container whose
// pid namespace's first process was started by a registered build program gets the build
// default mode (the strictest of the policy's `build: true` rules); anything else, a
// namespace a container process made for itself included, keeps the node's default.
#include <sys/stat.h>

#include "common/kernel_dev.h"
#include "sensor_fixture.h"

namespace driftguard::testing {
namespace {

class SensorBuildSteps : public SensorTest {
  protected:
    OverlayContainer::Options options() const override {
        OverlayContainer::Options options;
        // The test binary forks the namespace's first process, as buildah starts runc.
        options.new_pid_namespace = true;
        return options;
    }
    void SetUp() override {
        SensorTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) {
            return;
        }
        struct stat self {};
        ASSERT_EQ(::stat("/proc/self/exe", &self), 0);
        ASSERT_TRUE(sensor_
                        ->set_builder_programs({dg_inode_key{
                            .ino = self.st_ino,
                            .dev = kernel_dev(self.st_dev),
                        }})
                        .ok());
        container_->put(payload_path("marker_payload"), "/tmp/miner");
    }
    void TearDown() override {
        if (sensor_) {
            (void)sensor_->set_builder_programs({});
            sensor_->set_build_default_mode(DG_MODE_OFF);
        }
        SensorTest::TearDown();
    }
};

TEST_F(SensorBuildSteps, UndecidedStepGetsTheBuildDefaultMode) {
    sensor_->set_build_default_mode(DG_MODE_OFF);
    auto outcome = container_->run({"/tmp/miner"});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_TRUE(container_->marker_present());
    EXPECT_TRUE(drain().empty()) << "a build step under build mode off was judged";

    sensor_->set_build_default_mode(DG_MODE_AUDIT);
    container_->clear_marker();
    outcome = container_->run({"/tmp/miner"});
    EXPECT_EQ(outcome.exit_code, 0);
    auto events = drain();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].mode, DG_MODE_AUDIT);
    EXPECT_EQ(events[0].flags & DG_EVENT_BUILD_STEP, DG_EVENT_BUILD_STEP);

    sensor_->set_build_default_mode(DG_MODE_ENFORCE);
    dg_event event = expect_blocked({"/tmp/miner"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    EXPECT_EQ(event.flags & DG_EVENT_BUILD_STEP, DG_EVENT_BUILD_STEP);
}

TEST_F(SensorBuildSteps, TheAgentsDecisionComesFirst) {
    sensor_->set_build_default_mode(DG_MODE_OFF);
    ASSERT_TRUE(sensor_->set_container_mode(container_->dev(), DG_MODE_ENFORCE).ok());
    dg_event event = expect_blocked({"/tmp/miner"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    EXPECT_EQ(event.flags & DG_EVENT_BUILD_STEP, 0);
}

TEST_F(SensorBuildSteps, NotStartedByABuildProgramIsNoStep) {
    ASSERT_TRUE(sensor_->set_builder_programs({}).ok());
    sensor_->set_build_default_mode(DG_MODE_OFF);
    dg_event event = expect_blocked({"/tmp/miner"}, DG_HOOK_EXEC, DG_KIND_UPPER);
    EXPECT_EQ(event.flags & DG_EVENT_BUILD_STEP, 0);
}

// A process of the container makes a pid namespace of its own: its first process was
// started by a container process (the shell forks `unshare`: a second command follows), so
// its parent and grandparent are the container's, not the builder. The kernel looks two
// levels above a namespace's first process: for a workload that is its runtime (conmon, a
// shim), never a build program.
TEST_F(SensorBuildSteps, ANamespaceMadeInsideIsNoStep) {
    sensor_->set_build_default_mode(DG_MODE_OFF);
    container_->clear_marker();
    container_->run({"/bin/sh", "-c", "/bin/unshare -p -f /tmp/miner; true"});
    EXPECT_FALSE(container_->marker_present()) << "the drop ran in the inner namespace";
    auto events = drain();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].verdict, blocked_verdict());
    EXPECT_EQ(events[0].flags & DG_EVENT_BUILD_STEP, 0);
}

}  // namespace
}  // namespace driftguard::testing
