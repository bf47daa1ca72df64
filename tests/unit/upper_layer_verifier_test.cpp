// UpperLayerVerifier against a directory standing for a container's upper layer, an
// inventory made here and a map of its own in place of the kernel's dg_allowed: which
// copied-up files it lets run, hashing on the workers with completions on this thread,
// and every file verified however many wait at once.
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/allowed_files.h"
#include "agent/upper_layer_verifier.h"
#include "agent/worker_pool.h"
#include "common/sha256.h"

namespace driftguard::agent {
namespace {

namespace fs = std::filesystem;

class RecordingMap : public kernel::AllowedInodes {
  public:
    Status allow_inode(const dg_inode_key& key, const dg_allowed&) override {
        allowed_[key.ino] = true;
        return Ok{};
    }
    Status forget_inode(const dg_inode_key& key) override {
        allowed_.erase(key.ino);
        return Ok{};
    }
    bool allows(const fs::path& file) const {
        struct stat info {};
        return ::stat(file.c_str(), &info) == 0 && allowed_.count(info.st_ino) != 0;
    }
    std::size_t size() const { return allowed_.size(); }

  private:
    std::map<std::uint64_t, bool> allowed_;
};

class UpperLayer : public ::testing::Test {
  protected:
    void SetUp() override {
        upper_ = fs::temp_directory_path() /
                 ("dg-upper-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(upper_);
        fs::create_directories(upper_ / "usr/bin");
    }
    void TearDown() override { fs::remove_all(upper_); }

    // The image has `path` with `content` and `mode`.
    void in_image(const std::string& path, const std::string& content, std::uint32_t mode) {
        image::Executable executable;
        executable.path = path;
        executable.mode = mode;
        auto facts = std::make_shared<image::ContentFacts>();
        facts->sha256 = sha256_of(content);
        facts->size = content.size();
        executable.content = facts;
        inventory_.executables.push_back(executable);
        std::sort(inventory_.executables.begin(), inventory_.executables.end(),
                  [](const auto& a, const auto& b) { return a.path < b.path; });
    }
    // The upper layer has `path` with `content` and `mode`.
    fs::path in_upper(const std::string& path, const std::string& content, std::uint32_t mode) {
        const fs::path file = upper_ / path.substr(1);
        fs::create_directories(file.parent_path());
        std::ofstream(file) << content;
        ::chmod(file.c_str(), mode);
        return file;
    }
    // What the loop does between its turns: the deferred walk slices.
    void run_deferred() {
        std::vector<std::function<void()>> tasks;
        tasks.swap(deferred_);
        for (auto& task : tasks) {
            task();
        }
    }
    UpperLayerVerifier::Defer defer() {
        return [this](std::function<void()> task) { deferred_.push_back(std::move(task)); };
    }
    // Runs deferred slices and the pool's completions until `done` or 5 s passed.
    template <typename Done>
    void settle(Done done) {
        for (int i = 0; i < 500 && !done(); ++i) {
            run_deferred();
            pollfd ready{pool_.completion_fd(), POLLIN, 0};
            if (::poll(&ready, 1, 10) == 1) {
                pool_.run_completions();
            }
        }
    }

    fs::path upper_;
    image::Inventory inventory_;
    RecordingMap map_;
    WorkerPool pool_{"hashing", 2, 256};
    std::vector<std::function<void()>> deferred_;
};

TEST_F(UpperLayer, AnUnchangedCopyRunsAChangedOneDoesNot) {
    in_image("/usr/bin/tool", "#!/bin/sh\necho image\n", 0755);
    in_image("/usr/bin/other", "#!/bin/sh\necho other\n", 0755);
    in_image("/usr/bin/data", "#!/bin/sh\necho data\n", 0644);
    const auto same = in_upper("/usr/bin/tool", "#!/bin/sh\necho image\n", 0755);
    const auto changed = in_upper("/usr/bin/other", "#!/bin/sh\necho OTHER\n", 0755);
    const auto made_executable = in_upper("/usr/bin/data", "#!/bin/sh\necho data\n", 0755);
    const auto new_file = in_upper("/usr/bin/dropped", "#!/bin/sh\necho new\n", 0755);
    AllowedFiles allowed(map_);
    UpperLayerVerifier verifier(allowed, inventory_, upper_.string(), pool_, defer());

    EXPECT_EQ(verifier.verify("/usr/bin/tool"), UpperLayerVerifier::Outcome::allowed);
    EXPECT_EQ(verifier.verify("/usr/bin/other"), UpperLayerVerifier::Outcome::content_differs);
    EXPECT_EQ(verifier.verify("/usr/bin/data"), UpperLayerVerifier::Outcome::made_executable);
    EXPECT_EQ(verifier.verify("/usr/bin/dropped"), UpperLayerVerifier::Outcome::not_in_image);
    EXPECT_TRUE(map_.allows(same));
    EXPECT_FALSE(map_.allows(changed));
    EXPECT_FALSE(map_.allows(made_executable));
    EXPECT_FALSE(map_.allows(new_file));
}

TEST_F(UpperLayer, SweepHashesOnTheWorkersAndAllowsOnThisThread) {
    in_image("/usr/bin/tool", "image bytes", 0755);
    const auto copy = in_upper("/usr/bin/tool", "image bytes", 0755);
    AllowedFiles allowed(map_);
    UpperLayerVerifier verifier(allowed, inventory_, upper_.string(), pool_, defer());
    verifier.sweep();
    EXPECT_TRUE(verifier.walking()) << "the walk ran inside sweep(), not in the loop's turns";
    run_deferred();
    EXPECT_FALSE(map_.allows(copy)) << "allowed before the loop ran the hash's completion";
    EXPECT_EQ(verifier.hashing(), 1U);
    settle([&] { return verifier.hashing() == 0; });
    EXPECT_TRUE(map_.allows(copy));
}

TEST_F(UpperLayer, ManyMoreFilesThanItsShareOfTheQueueAllGetVerified) {
    const std::size_t files = UpperLayerVerifier::kMaxInFlight * 4;
    for (std::size_t i = 0; i < files; ++i) {
        const std::string path = "/usr/bin/tool" + std::to_string(i);
        in_image(path, "content " + std::to_string(i), 0755);
        in_upper(path, "content " + std::to_string(i), 0755);
    }
    AllowedFiles allowed(map_);
    UpperLayerVerifier verifier(allowed, inventory_, upper_.string(), pool_, defer());
    verifier.sweep();
    run_deferred();
    EXPECT_LE(pool_.stats().queued + pool_.stats().running, UpperLayerVerifier::kMaxInFlight)
        << "one container took more than its share of the shared queue";
    settle([&] { return map_.size() == files; });
    EXPECT_EQ(map_.size(), files);
    EXPECT_EQ(verifier.hashing(), 0U);
}

TEST_F(UpperLayer, AHugeLayerIsWalkedInSlices) {
    const std::size_t entries = UpperLayerVerifier::kWalkSlice * 3;
    for (std::size_t i = 0; i < entries; ++i) {
        std::ofstream(upper_ / ("f" + std::to_string(i)));
    }
    in_image("/usr/bin/tool", "image bytes", 0755);
    const auto copy = in_upper("/usr/bin/tool", "image bytes", 0755);
    AllowedFiles allowed(map_);
    UpperLayerVerifier verifier(allowed, inventory_, upper_.string(), pool_, defer());
    verifier.sweep();
    std::size_t turns = 0;
    while (verifier.walking() && turns < 100) {
        ASSERT_EQ(deferred_.size(), 1U) << "a walk with entries left did not defer its next slice";
        run_deferred();
        ++turns;
    }
    EXPECT_GE(turns, 3U) << "the walk took fewer turns than its slices allow";
    settle([&] { return !verifier.walking() && verifier.hashing() == 0; });
    EXPECT_TRUE(map_.allows(copy)) << "a file found late in the walk was not verified";
}

TEST_F(UpperLayer, AnExceptionByDigestLetsANewFileRun) {
    const std::string content = "#!/bin/sh\necho tool the policy names\n";
    const auto file = in_upper("/opt/tools/run", content, 0755);
    AllowedFiles allowed(map_);
    UpperLayerVerifier verifier(allowed, inventory_, upper_.string(), pool_, defer());
    policy::Exception exception;
    exception.paths = {"/opt/tools/*"};
    exception.sha256 = {to_hex(sha256_of(content))};
    verifier.set_exceptions({exception});  // sweeps
    settle([&] { return !verifier.walking() && verifier.hashing() == 0; });
    EXPECT_TRUE(map_.allows(file));
    EXPECT_EQ(verifier.verify("/opt/tools/run"), UpperLayerVerifier::Outcome::excepted);
}

TEST_F(UpperLayer, AGoneVerifierIgnoresHashesThatReturnLate) {
    in_image("/usr/bin/tool", "image bytes", 0755);
    in_upper("/usr/bin/tool", "image bytes", 0755);
    {
        AllowedFiles allowed(map_);
        UpperLayerVerifier verifier(allowed, inventory_, upper_.string(), pool_, defer());
        verifier.sweep();
    }  // the container went while its hash was queued
    settle([&] { return pool_.stats().queued + pool_.stats().running == 0; });
    pool_.run_completions();
    EXPECT_EQ(map_.size(), 0U);
}

}  // namespace
}  // namespace driftguard::agent
