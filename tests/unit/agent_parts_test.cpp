// Agent parts that need no kernel: glob expansion inside a container root (never leaving
// it), the recent-events log and its container filter, the backend explanation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "agent/backend_choice.h"
#include "agent/event_log.h"
#include "agent/stable_file_digest.h"
#include "agent/volume_exceptions.h"
#include "common/unique_fd.h"
#include "kernel/kernel_requirements.h"

namespace driftguard::agent {
namespace {

namespace fs = std::filesystem;

class ContainerRootDir : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("dg-root-" + std::to_string(::getpid()));
        outside_ = fs::temp_directory_path() / ("dg-outside-" + std::to_string(::getpid()));
        fs::create_directories(root_ / "data/tools/bin");
        fs::create_directories(root_ / "data/other");
        fs::create_directories(outside_);
        touch(root_ / "data/tools/bin/a");
        touch(root_ / "data/tools/bin/b");
        touch(root_ / "data/other/c");
        touch(outside_ / "secret");
        fs::create_symlink(outside_, root_ / "data/escape");  // absolute: outside the root
        fs::create_symlink("../../..", root_ / "data/other/up");
        fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    void TearDown() override {
        fs::remove_all(root_);
        fs::remove_all(outside_);
    }
    static void touch(const fs::path& path) { std::ofstream(path) << "x"; }
    std::vector<std::string> expand(const std::string& pattern) {
        auto paths = expand_in_root(fd_.get(), pattern);
        std::sort(paths.begin(), paths.end());
        return paths;
    }

    fs::path root_;
    fs::path outside_;
    UniqueFd fd_;
};

TEST_F(ContainerRootDir, ExpandsGlobsComponentByComponent) {
    EXPECT_EQ(expand("/data/tools/bin/*"),
              (std::vector<std::string>{"/data/tools/bin/a", "/data/tools/bin/b"}));
    EXPECT_EQ(expand("/data/*/bin/a"), (std::vector<std::string>{"/data/tools/bin/a"}));
    EXPECT_EQ(expand("/data/other/c"), (std::vector<std::string>{"/data/other/c"}));
}

TEST_F(ContainerRootDir, DoubleStarListsEverythingBelow) {
    const auto all = expand("/data/tools/**");
    EXPECT_EQ(all, (std::vector<std::string>{"/data/tools/bin", "/data/tools/bin/a",
                                             "/data/tools/bin/b"}));
}

TEST_F(ContainerRootDir, SymlinksNeverLeadOutOfTheRoot) {
    // Through the absolute symlink, "secret" would be reached if resolved on the host.
    EXPECT_TRUE(expand("/data/escape/*").empty());
    // ".." resolves inside the root: listing through "up" (../../..) shows the root's own
    // entries, never the host's.
    const auto up = expand("/data/other/up/*");
    EXPECT_EQ(up, (std::vector<std::string>{"/data/other/up/data"}));
}

TEST(EventLog, KeepsTheNewestAndFiltersByContainer) {
    EventLog log(3);
    for (int i = 0; i < 5; ++i) {
        log.append({{"n", i},
                    {"container",
                     {{"id", i % 2 == 0 ? "aaaa1111" : "bbbb2222"}, {"name", "web"}, {"key", 7}}}});
    }
    const auto all = log.recent("", 10);
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all.front()["n"], 2);
    EXPECT_EQ(all.back()["n"], 4);
    EXPECT_EQ(log.recent("aaaa", 10).size(), 2U);
    EXPECT_EQ(log.recent("bbbb2222", 10).size(), 1U);
    EXPECT_EQ(log.recent("web", 1).size(), 1U);
    EXPECT_EQ(log.recent("7", 10).size(), 3U);
    EXPECT_TRUE(log.recent("cccc", 10).empty());
}

TEST(EventLog, FollowersGetNewEventsUntilTheyLeave) {
    EventLog log;
    int seen = 0;
    log.follow([&seen](const nlohmann::json&) { return ++seen < 2; });
    for (int i = 0; i < 4; ++i) {
        log.append({{"n", i}});
    }
    EXPECT_EQ(seen, 2);
}

TEST(BackendChoice, TheBestOfWhatTheKernelAndTheReleaseOfferWithTheReasons) {
    KernelOffers offers;
    offers.lsm = [] { return kernel::Offer{false, "BPF-LSM is not active (active LSMs: x)"}; };
    offers.fmod_ret = [] { return kernel::Offer{true, "fmod_ret programs load"}; };
    offers.fanotify = [] { return kernel::Offer{true, "fanotify works"}; };
    auto choice = choose_backend("auto", offers);
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice.value().name, "fmod_ret");
    EXPECT_EQ(choice.value().enforcement, kernel::Enforcement::fmod_ret);
    EXPECT_NE(choice.value().action.find("EPERM"), std::string::npos);
    EXPECT_NE(choice.value().why.find("BPF-LSM is not active"), std::string::npos);
    EXPECT_NE(choice.value().why.find("fanotify works; not in this release"), std::string::npos);
    ASSERT_EQ(choice.value().considered.size(), 4U);
    EXPECT_EQ(choice.value().considered[0].name, "lsm");
    EXPECT_FALSE(choice.value().considered[0].offered);
    EXPECT_TRUE(choice.value().considered[1].offered);
    EXPECT_TRUE(choice.value().considered[1].in_release);

    // Where neither loads (this kind of host: trampolines refused), kill it is.
    offers.fmod_ret = [] { return kernel::Offer{false, "does not load: EPERM"}; };
    auto kill = choose_backend("auto", offers);
    ASSERT_TRUE(kill);
    EXPECT_EQ(kill.value().name, "kill");
    EXPECT_EQ(kill.value().enforcement, kernel::Enforcement::kill);
    EXPECT_NE(kill.value().why.find("fmod_ret: does not load: EPERM"), std::string::npos);
}

TEST(BackendChoice, ABackendWhoseProgramsDoNotLoadFallsBackToKillSayingWhy) {
    KernelOffers offers;
    offers.lsm = [] { return kernel::Offer{true, "BPF-LSM is active"}; };
    auto lsm = choose_backend("auto", offers);
    ASSERT_TRUE(lsm);
    ASSERT_EQ(lsm.value().name, "lsm");
    auto kill = fall_back_to_kill(lsm.value(), "fmod_ret/__x64_sys_ptrace: EINVAL");
    EXPECT_EQ(kill.name, "kill");
    EXPECT_EQ(kill.enforcement, kernel::Enforcement::kill);
    EXPECT_NE(kill.why.find("did not load: fmod_ret/__x64_sys_ptrace: EINVAL"), std::string::npos);
    EXPECT_FALSE(kill.considered[0].offered);
}

TEST(BackendChoice, AForcedBackendThatCannotBeHadIsRefusedNamingWhy) {
    KernelOffers offers;
    offers.lsm = [] { return kernel::Offer{false, "BPF-LSM is not active (active LSMs: x)"}; };
    offers.fmod_ret = [] { return kernel::Offer{false, "does not load: EPERM"}; };
    offers.fanotify = [] { return kernel::Offer{true, "fanotify works"}; };
    auto lsm = choose_backend("lsm", offers);
    ASSERT_FALSE(lsm);
    EXPECT_NE(lsm.error().message.find("backend lsm cannot be used here: BPF-LSM is not active"),
              std::string::npos);
    auto fanotify = choose_backend("fanotify", offers);
    ASSERT_FALSE(fanotify);
    EXPECT_NE(fanotify.error().message.find("not in this release"), std::string::npos);
    auto kill = choose_backend("kill", offers);
    ASSERT_TRUE(kill);
    EXPECT_EQ(kill.value().name, "kill");
    EXPECT_FALSE(choose_backend("seccomp", offers));
}

TEST(BackendProbe, TheLsmListDecidesBeforeAnythingLoads) {
    const fs::path lsm = fs::temp_directory_path() / ("dg-lsm-" + std::to_string(::getpid()));
    std::ofstream(lsm) << "lockdown,capability,yama,apparmor\n";
    EXPECT_NE(kernel::probe_bpf_lsm(lsm).reason.find("not active"), std::string::npos);
    fs::remove(lsm);
    EXPECT_NE(kernel::probe_bpf_lsm(lsm).reason.find("cannot be read"), std::string::npos);
    EXPECT_FALSE(kernel::probe_bpf_lsm(lsm).available);
}

// Hashing what a container controls is bounded, and a file with a writer is never verified.
class DigestLimits : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("driftguard-digest-" + std::to_string(::getpid()));
        std::ofstream(path_) << std::string(4096, 'x');
    }
    void TearDown() override { std::filesystem::remove(path_); }
    std::filesystem::path path_;
};

TEST_F(DigestLimits, RefusesFilesOverTheLimitWithoutReadingThem) {
    UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    auto refused = stable_file_digest(fd.get(), 4095);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, EFBIG);
    EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 0) << "nothing may be read past the limit";
    EXPECT_TRUE(stable_file_digest(fd.get(), 4096).ok());
}

TEST_F(DigestLimits, SparseFileOfATerabyteIsRefusedAtOnce) {
    ASSERT_EQ(::truncate(path_.c_str(), 1LL << 40), 0);
    UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    auto refused = stable_file_digest(fd.get());
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("256 MiB hashing limit"));
}

TEST_F(DigestLimits, FifoIsNotAFile) {
    const std::string fifo = path_.string() + ".fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    UniqueFd fd(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    EXPECT_FALSE(stable_file_digest(fd.get()).ok());
    std::filesystem::remove(fifo);
}

TEST_F(DigestLimits, WritersAreSeenWhileTheyHoldTheFile) {
    UniqueFd reader(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (::geteuid() != 0) {
        GTEST_SKIP() << "a read lease on another user's file needs CAP_LEASE (root)";
    }
    EXPECT_FALSE(has_writers(reader.get()));
    {
        UniqueFd writer(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(writer);
        EXPECT_TRUE(has_writers(reader.get()));
    }
    EXPECT_FALSE(has_writers(reader.get()));
}

TEST(KernelRequirements, NamesWhatIsMissingAndTheFix) {
    const std::string btf = DRIFTGUARD_SOURCE_DIR "/CMakeLists.txt";  // any readable file
    EXPECT_TRUE(kernel::check_kernel_requirements("6.18.0-1-amd64", btf).ok());
    EXPECT_TRUE(kernel::check_kernel_requirements("5.17.0", btf).ok());
    auto old = kernel::check_kernel_requirements("5.15.0-91-generic", btf);
    ASSERT_FALSE(old.ok());
    EXPECT_EQ(old.error().message,
              "kernel 5.15.0-91-generic is too old: driftguard needs Linux 5.17 or later");
    auto no_btf = kernel::check_kernel_requirements("6.1.0", "/nonexistent/vmlinux");
    ASSERT_FALSE(no_btf.ok());
    EXPECT_EQ(no_btf.error().message,
              "this kernel has no BTF (/nonexistent/vmlinux is missing): driftguard needs a "
              "kernel built with CONFIG_DEBUG_INFO_BTF=y");
    EXPECT_FALSE(kernel::check_kernel_requirements("garbage", btf).ok());
}

}  // namespace
}  // namespace driftguard::agent
