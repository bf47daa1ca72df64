// EventEnricher without a kernel: what an event says of the file against the image's paths
// and digests, and the provenance it takes from the sensor's maps (a fake reader here).
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "agent/event_enricher.h"
#include "common/sha256.h"

namespace driftguard::agent {
namespace {

namespace fs = std::filesystem;

class FakeProvenance : public kernel::ProvenanceReader {
  public:
    std::optional<dg_file_writers> writers_of(const dg_inode_key& file) const override {
        auto found = writers.find({file.ino, file.dev});
        return found == writers.end() ? std::nullopt : std::optional(found->second);
    }
    std::optional<dg_connections> connections_of(std::uint32_t tgid) const override {
        auto found = connections.find(tgid);
        return found == connections.end() ? std::nullopt : std::optional(found->second);
    }
    std::map<std::pair<std::uint64_t, std::uint32_t>, dg_file_writers> writers;
    std::map<std::uint32_t, dg_connections> connections;
};

class EventEnricherTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("dg-enricher-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        auto inventory = std::make_shared<image::Inventory>();
        image::Executable ls;
        ls.path = "/bin/ls";
        auto facts = std::make_shared<image::ContentFacts>();
        facts->sha256 = sha256_of("ls binary");
        ls.content = facts;
        inventory->executables.push_back(ls);
        image::index_by_digest(*inventory);
        inventory_ = inventory;
    }
    void TearDown() override { fs::remove_all(dir_); }

    // The kernel's record of an exec of an upper-layer file at `path` holding `content`.
    std::unique_ptr<EventEnricher::Captured> upper_exec(const std::string& path,
                                                        const std::string& content) {
        const fs::path file = dir_ / "file";
        std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
        auto captured = std::make_unique<EventEnricher::Captured>();
        captured->event.hook = DG_HOOK_EXEC;
        captured->event.kind = DG_KIND_UPPER;
        std::strncpy(captured->event.path, path.c_str(), sizeof(captured->event.path) - 1);
        captured->in_container = true;
        captured->upperdir = dir_.string();
        captured->inventory = inventory_;
        captured->path = path;
        captured->file.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        return captured;
    }

    fs::path dir_;
    std::shared_ptr<const image::Inventory> inventory_;
};

TEST_F(EventEnricherTest, UpperLayerFilesAreToldApartByTheImagesPathsAndDigests) {
    auto dropped = upper_exec("/tmp/miner", "miner");
    auto context = EventEnricher::finish(*dropped);
    EXPECT_EQ(context.refined_kind, "new-file");
    EXPECT_EQ(context.file_sha256, to_hex(sha256_of("miner")));
    EXPECT_FALSE(context.image_has_path);

    auto copied = upper_exec("/tmp/list", "ls binary");
    context = EventEnricher::finish(*copied);
    EXPECT_EQ(context.refined_kind, "image-file-at-new-path");

    auto modified = upper_exec("/bin/ls", "ls binary, patched");
    context = EventEnricher::finish(*modified);
    EXPECT_EQ(context.refined_kind, "modified-image-file");
    EXPECT_TRUE(context.image_has_path);
    EXPECT_EQ(context.image_sha256, to_hex(sha256_of("ls binary")));
}

TEST_F(EventEnricherTest, BeforeTheImageIsReadItSaysSoInsteadOfGuessing) {
    auto captured = upper_exec("/bin/ls", "ls binary");
    captured->inventory = nullptr;
    const auto context = EventEnricher::finish(*captured);
    EXPECT_FALSE(context.image_known);
    EXPECT_TRUE(context.refined_kind.empty());
}

TEST_F(EventEnricherTest, TooBusyToHashSaysWhyTheDigestIsMissing) {
    auto captured = upper_exec("/tmp/miner", "miner");
    const auto context = EventEnricher::finish(*captured, /*thorough=*/false);
    EXPECT_TRUE(context.file_sha256.empty());
    EXPECT_NE(context.file_sha256_missing.find("too much work"), std::string::npos);
}

TEST_F(EventEnricherTest, ProvenanceNamesTheWritersAndTheirConnectionsInTheWindow) {
    FakeProvenance provenance;
    dg_file_writers writers{};
    writers.first.tgid = writers.last.tgid = 4242;
    writers.first.ktime_ns = writers.last.ktime_ns = 700ULL * 1000 * 1000 * 1000;
    std::strncpy(writers.last.comm, "curl", sizeof(writers.last.comm));
    const char argv[] = "curl\0-o\0miner";
    std::memcpy(writers.last.args, argv, sizeof(argv));
    writers.last.args_len = sizeof(argv);
    writers.last.ancestor_count = 1;
    writers.last.ancestors[0] = 4200;  // the shell that ran curl
    provenance.writers[{77, 12}] = writers;
    dg_connections from_shell{};
    from_shell.recent[0] = {.ktime_ns = writers.first.ktime_ns - 1000,
                            .family = 2,
                            .port = 8000,
                            .type = 1,
                            .pad = 0,
                            .addr = {203, 0, 113, 7}};
    from_shell.recent[1] = {.ktime_ns = 1000,
                            .family = 2,
                            .port = 22,
                            .type = 1,
                            .pad = 0,
                            .addr = {198, 51, 100, 1}};  // long before: not part of the story
    provenance.connections[4200] = from_shell;

    const EventEnricher enricher(provenance, "fmod_ret");
    dg_event event{};
    event.hook = DG_HOOK_EXEC;
    event.kind = DG_KIND_UPPER;
    event.tgid = 999999;  // gone already, as a killed process is
    event.file_ino = 77;
    event.file_dev = 12;
    auto captured = enricher.capture(event, nullptr);
    const auto& context = captured->context;
    EXPECT_EQ(context.backend, "fmod_ret");  // every event names how it was enforced
    ASSERT_TRUE(context.last_writer);
    EXPECT_EQ(context.last_writer->process.comm, "curl");
    EXPECT_EQ(context.last_writer->process.argv, (std::vector<std::string>{"curl", "-o", "miner"}));
    ASSERT_EQ(context.connections.size(), 1U);
    EXPECT_EQ(context.connections[0].remote, "203.0.113.7");
    EXPECT_EQ(context.connections[0].port, 8000);
    EXPECT_EQ(context.connections[0].protocol, "tcp");
    EXPECT_EQ(context.connections[0].pid, 4200U);

    dg_event unknown = event;
    unknown.file_ino = 78;  // a file no writer was seen for
    EXPECT_FALSE(enricher.capture(unknown, nullptr)->context.last_writer);
}

}  // namespace
}  // namespace driftguard::agent
