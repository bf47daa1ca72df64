// ContainerRegistry without a kernel: containers found on the node are onboarded (runtime
// metadata, the image's inventory from its layers), given the policy's mode in the
// kernel's map (a fake one here), their unchanged copy-ups allowed, re-decided when the
// policy changes, replaced when a new container takes their key, and forgotten when gone.
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "agent/container_registry.h"
#include "common/kernel_dev.h"

namespace driftguard::agent {
namespace {

namespace fs = std::filesystem;

class FakeKernel : public kernel::ContainerState {
  public:
    Status allow_inode(const dg_inode_key& key, const dg_allowed& value) override {
        allowed[{key.ino, key.dev}] = value;
        return Ok{};
    }
    Status forget_inode(const dg_inode_key& key) override {
        allowed.erase({key.ino, key.dev});
        return Ok{};
    }
    std::vector<dg_inode_key> allowed_keys() const override {
        std::vector<dg_inode_key> keys;
        for (const auto& [key, value] : allowed) {
            keys.push_back({key.first, key.second, 0});
        }
        return keys;
    }
    Status set_container_mode(std::uint32_t dev, dg_mode mode, std::uint32_t flags,
                              std::uint64_t identity) override {
        modes[dev] = {mode, flags, identity};
        return Ok{};
    }
    Status clear_container_mode(std::uint32_t dev) override {
        modes.erase(dev);
        return Ok{};
    }
    std::vector<std::uint32_t> container_mode_keys() const override {
        std::vector<std::uint32_t> keys;
        for (const auto& [dev, mode] : modes) {
            keys.push_back(dev);
        }
        return keys;
    }
    Status set_writer_program(const dg_inode_key& /*program*/,
                              const dg_writer_program& /*value*/) override {
        return Ok{};
    }
    Status set_writer_dir(const dg_writer_dir_key& /*dir*/, std::uint64_t /*exceptions*/) override {
        return Ok{};
    }
    void forget_writers(const std::function<bool(std::uint32_t)>& /*gone*/) override {}

    struct Mode {
        dg_mode mode;
        std::uint32_t flags;
        std::uint64_t identity;
    };
    std::map<std::uint32_t, Mode> modes;
    std::map<std::pair<std::uint64_t, std::uint32_t>, dg_allowed> allowed;
};

class ContainerRegistryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("dg-registry-" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "lower/bin");
        fs::create_directories(dir_ / "upper/bin");
        fs::create_directories(dir_ / "host");
        write(dir_ / "lower/bin/tool", "#!/bin/sh\necho tool\n", 0755);
        // chmod in the container copied the image's file up, unchanged
        write(dir_ / "upper/bin/tool", "#!/bin/sh\necho tool\n", 0700);
        runtime::RuntimePaths paths;
        paths.host_root = (dir_ / "host").string();  // no runtime state: no metadata
        paths.ask_podman = false;
        paths.ask_containerd = false;
        registry_ = std::make_unique<ContainerRegistry>(
            kernel_, runtime::MetadataResolver(paths), 0,
            [this]() -> const policy::Policy& { return policy_; }, [](int) {},
            [this](std::function<void()> task) { deferred_.push_back(std::move(task)); });
    }
    void TearDown() override {
        registry_.reset();
        fs::remove_all(dir_);
    }
    static void write(const fs::path& path, const std::string& text, mode_t mode) {
        std::ofstream(path) << text;
        ::chmod(path.c_str(), mode);
    }
    runtime::ContainerRoot root(std::uint64_t identity) const {
        runtime::ContainerRoot root;
        root.dev = kDev;
        root.pid = ::getpid();
        root.upperdir = (dir_ / "upper").string();
        root.identity = identity;
        root.lowerdirs = {(dir_ / "lower").string()};
        return root;
    }
    // Runs the workers' completions and the deferred slices, as the loop does, until
    // `done` or 5 s passed.
    template <typename Done>
    bool settle(Done done) {
        for (int i = 0; i < 500; ++i) {
            if (done()) {
                return true;
            }
            std::vector<std::function<void()>> tasks;
            tasks.swap(deferred_);
            for (auto& task : tasks) {
                task();
            }
            for (int fd : registry_->completion_fds()) {
                pollfd ready{fd, POLLIN, 0};
                if (::poll(&ready, 1, 3) == 1) {
                    registry_->run_completions(fd);
                }
            }
        }
        return done();
    }
    bool onboarded() const {
        const auto* container = registry_->find(kDev);
        return container != nullptr && container->inventory != nullptr;
    }
    // The fixture's node has no runtime state: a container is decided after the last of
    // its metadata reads, one per discovery walk.
    bool onboard(std::uint64_t identity) {
        for (int walk = 0; walk < 8; ++walk) {
            registry_->sync({{kDev, root(identity)}});
            const auto* container = registry_->find(kDev, identity);
            const unsigned reads = container != nullptr ? container->metadata_reads : 0;
            if (!settle([&] {
                    const auto* now = registry_->find(kDev, identity);
                    return now != nullptr && now->metadata_reads > reads && onboarded();
                })) {
                return false;
            }
            if (registry_->find(kDev, identity)->metadata_known) {
                return true;
            }
        }
        return false;
    }

    static constexpr std::uint32_t kDev = 4242;
    fs::path dir_;
    FakeKernel kernel_;
    policy::Policy policy_;
    std::vector<std::function<void()>> deferred_;
    std::unique_ptr<ContainerRegistry> registry_;
};

TEST_F(ContainerRegistryTest, OnboardsDecidesReDecidesAndForgets) {
    ASSERT_TRUE(onboard(7));
    ASSERT_EQ(kernel_.modes.count(kDev), 1U);
    EXPECT_EQ(kernel_.modes[kDev].mode, DG_MODE_ENFORCE);
    EXPECT_EQ(kernel_.modes[kDev].identity, 7U);
    EXPECT_EQ(registry_->find(kDev)->inventory->executables.size(), 1U);
    EXPECT_EQ(registry_->count_by_mode()["enforce"], 1U);

    // The unchanged copy-up is verified against the image and allowed in the kernel.
    struct stat info {};
    ::stat((dir_ / "upper/bin/tool").c_str(), &info);
    const std::pair<std::uint64_t, std::uint32_t> key{info.st_ino, kernel_dev(info.st_dev)};
    EXPECT_TRUE(settle([&] { return kernel_.allowed.count(key) == 1; }));

    policy_.default_mode = DG_MODE_AUDIT;
    registry_->apply();
    EXPECT_EQ(kernel_.modes[kDev].mode, DG_MODE_AUDIT);

    registry_->sync({});
    EXPECT_EQ(kernel_.modes.count(kDev), 0U);
    EXPECT_EQ(registry_->size(), 0U);
}

TEST_F(ContainerRegistryTest, ANewContainerWithAReusedKeyIsAStranger) {
    ASSERT_TRUE(onboard(7));
    registry_->sync({{kDev, root(8)}});  // the kernel reused the overlay's device number
    EXPECT_EQ(registry_->find(kDev, 7), nullptr);
    ASSERT_NE(registry_->find(kDev, 8), nullptr);
    ASSERT_TRUE(onboard(8));
    EXPECT_EQ(kernel_.modes[kDev].identity, 8U);
}

// A container found before its runtime wrote its state has no runtime in its metadata:
// it is read again at each of the next discovery walks, a bounded number of times, and
// decided only after the last one: until then the kernel's defaults judge it (a mode
// decided from empty metadata would override the kernel's build-step fallback). Its image
// is read once, at the first read.
TEST_F(ContainerRegistryTest, MetadataWithoutARuntimeIsReadAgainBeforeItIsDecided) {
    registry_->sync({{kDev, root(7)}});
    ASSERT_TRUE(settle([this] { return onboarded(); }));
    const auto* container = registry_->find(kDev);
    EXPECT_TRUE(container->metadata.runtime.empty());
    EXPECT_EQ(container->metadata_reads, 1U);
    EXPECT_FALSE(container->metadata_known);
    EXPECT_EQ(kernel_.modes.count(kDev), 0U) << "decided from empty metadata";
    const auto* inventory = container->inventory.get();
    for (unsigned walk = 2; walk <= 8; ++walk) {
        registry_->sync({{kDev, root(7)}});
        const unsigned expected = std::min(walk, 5U);
        EXPECT_TRUE(settle([&] { return container->metadata_reads == expected; }))
            << "walk " << walk << ": " << container->metadata_reads << " reads";
        EXPECT_EQ(kernel_.modes.count(kDev), expected == 5U ? 1U : 0U) << "walk " << walk;
    }
    EXPECT_EQ(container->metadata_reads, 5U);
    EXPECT_TRUE(container->metadata_known);
    EXPECT_EQ(container->inventory.get(), inventory);
    EXPECT_EQ(kernel_.modes[kDev].mode, DG_MODE_ENFORCE);
}

}  // namespace
}  // namespace driftguard::agent
