// Reading images in every supported format, built by the test from generated layers.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/sha256.h"
#include "image/image_error.h"
#include "image/image_scanner.h"
#include "support/test_archives.h"

namespace driftguard::image {
namespace {

using namespace driftguard::testing;

const std::string kElfHeader = [] {
    // A minimal ELF64 x86-64 ET_EXEC header without program headers: static.
    std::string header(64, '\0');
    header.replace(0, 4,
                   "\x7f"
                   "ELF");
    header[4] = 2;    // ELFCLASS64
    header[5] = 1;    // little endian
    header[6] = 1;    // EV_CURRENT
    header[16] = 2;   // ET_EXEC
    header[18] = 62;  // EM_X86_64
    header[54] = 56;  // e_phentsize
    return header;
}();

Inventory scan(const std::string& reference) {
    ScanOptions options;
    auto source = open_image(reference, options);
    return scan_image(*source, options.limits);
}

std::map<std::string, const Executable*> by_path(const Inventory& inventory) {
    std::map<std::string, const Executable*> result;
    for (const auto& executable : inventory.executables) {
        result[executable.path] = &executable;
    }
    return result;
}

std::string base_layer() {
    return make_tar({directory("bin"), file("bin/tool", kElfHeader + "payload", 0755),
                     hardlink("bin/tool-link", "bin/tool"), symlink("bin/alias", "tool"),
                     file("bin/run.sh", "#!/bin/sh\necho hi\n", 0755), file("etc/motd", "hello\n"),
                     file("etc/notes.sh", "#!/bin/sh\n", 0644), directory("opt/vendor"),
                     file("opt/vendor/agent", kElfHeader, 0700),
                     file("lib/old", kElfHeader, 0755)});
}

std::string upper_layer() {
    return make_tar({file("bin/.wh.run.sh", ""), file("opt/vendor/.wh..wh..opq", ""),
                     file("opt/vendor/new-agent", "#!/bin/sh\n", 0755),
                     file("lib", "now a file\n", 0644), file("etc/motd", "hello\n", 0755)});
}

void expect_merged_view(const Inventory& inventory) {
    auto executables = by_path(inventory);
    std::vector<std::string> paths;
    for (const auto& [path, _] : executables) {
        paths.push_back(path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/bin/tool", "/bin/tool-link", "/etc/motd",
                                               "/etc/notes.sh", "/opt/vendor/new-agent"}));
    const auto* tool = executables.at("/bin/tool");
    EXPECT_EQ(tool->content->kind, ExecutableKind::elf_executable);
    EXPECT_EQ(tool->content->linkage, Linkage::static_linked);
    EXPECT_EQ(to_hex(tool->content->sha256), to_hex(sha256_of(kElfHeader + "payload")));
    EXPECT_EQ(tool->mode, 0755u);
    EXPECT_EQ(tool->layer_index, 0u);
    EXPECT_EQ(executables.at("/bin/tool-link")->content->sha256, tool->content->sha256);
    EXPECT_EQ(executables.at("/etc/motd")->content->kind, ExecutableKind::other);
    EXPECT_EQ(executables.at("/etc/motd")->layer_index, 1u);
    EXPECT_EQ(executables.at("/etc/notes.sh")->content->kind, ExecutableKind::script);
    EXPECT_EQ(executables.at("/opt/vendor/new-agent")->content->interpreter, "/bin/sh");
    ASSERT_EQ(inventory.layers.size(), 2u);
}

class LayerCompression : public ::testing::TestWithParam<Compression> {};

TEST_P(LayerCompression, OciLayoutDirectoryAppliesLayersWithWhiteouts) {
    TempDir dir;
    OciImageBuilder builder;
    builder.add_layer(base_layer(), GetParam());
    builder.add_layer(upper_layer(), GetParam());
    builder.write_directory(dir / "layout");
    Inventory inventory = scan(dir / "layout");
    EXPECT_EQ(inventory.image.format, ImageFormat::oci_layout);
    EXPECT_EQ(inventory.image.name, "test:1");
    EXPECT_EQ(inventory.image.manifest_digest, builder.manifest_digest);
    EXPECT_EQ(inventory.layers[0].compression,
              std::vector<std::string>({"none", "gzip", "zstd"})[static_cast<int>(GetParam())]);
    expect_merged_view(inventory);
}

INSTANTIATE_TEST_SUITE_P(AllCompressions, LayerCompression,
                         ::testing::Values(Compression::none, Compression::gzip,
                                           Compression::zstd));

TEST(ImageFormats, OciArchiveIsReadWithoutExtracting) {
    TempDir dir;
    OciImageBuilder builder;
    builder.add_layer(base_layer(), Compression::gzip);
    builder.add_layer(upper_layer(), Compression::zstd);
    builder.write_archive(dir / "image.tar");
    Inventory inventory = scan(dir / "image.tar");
    EXPECT_EQ(inventory.image.format, ImageFormat::oci_archive);
    expect_merged_view(inventory);
    // Nothing was written next to the archive.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(ImageFormats, OciArchiveSelectsAnImageByRefName) {
    TempDir dir;
    OciImageBuilder builder;
    builder.set_ref_name("registry.example/app:2");
    builder.add_layer(base_layer(), Compression::gzip);
    builder.write_archive(dir / "image.tar");
    EXPECT_EQ(scan("oci-archive:" + (dir / "image.tar") + ":registry.example/app:2").image.name,
              "registry.example/app:2");
    EXPECT_THROW(scan("oci-archive:" + (dir / "image.tar") + ":other"), ImageError);
}

TEST(ImageFormats, DockerArchive) {
    TempDir dir;
    write_file(dir / "docker.tar",
               make_docker_archive({base_layer(), upper_layer()}, "localhost/app:1"));
    Inventory inventory = scan(dir / "docker.tar");
    EXPECT_EQ(inventory.image.format, ImageFormat::docker_archive);
    EXPECT_EQ(inventory.image.name, "localhost/app:1");
    EXPECT_EQ(inventory.layers[0].digest, sha256_digest(base_layer()));
    expect_merged_view(inventory);
}

TEST(ImageFormats, RootfsDirectory) {
    TempDir dir;
    std::filesystem::create_directories(dir / "root/bin");
    write_file(dir / "root/bin/tool", kElfHeader);
    std::filesystem::permissions(dir / "root/bin/tool", std::filesystem::perms(0755));
    write_file(dir / "root/bin/data", "data");
    std::filesystem::create_hard_link(dir / "root/bin/tool", dir / "root/bin/tool2");
    Inventory inventory = scan("rootfs:" + (dir / "root"));
    auto executables = by_path(inventory);
    ASSERT_EQ(executables.size(), 2u);
    EXPECT_EQ(executables.at("/bin/tool2")->content->sha256, sha256_of(kElfHeader));
}

TEST(ImageFormats, ContainersStorageLayerDirectoriesWithOverlayWhiteouts) {
    // A miniature store in containers-storage's on-disk format: two layers, the upper
    // one hiding a file with a 0:0 character device (needs mknod, i.e. root).
    TempDir dir;
    const std::string root = dir / "storage";
    const std::string lower = std::string(64, 'a');
    const std::string upper = std::string(64, 'b');
    const std::string image_id = std::string(64, 'c');
    std::filesystem::create_directories(root + "/overlay/" + lower + "/diff/bin");
    std::filesystem::create_directories(root + "/overlay/" + upper + "/diff/bin");
    std::filesystem::create_directories(root + "/overlay-images");
    std::filesystem::create_directories(root + "/overlay-layers");
    write_file(root + "/overlay/" + lower + "/diff/bin/keep", kElfHeader);
    write_file(root + "/overlay/" + lower + "/diff/bin/gone", kElfHeader);
    write_file(root + "/overlay/" + upper + "/diff/bin/added", "#!/bin/sh\n");
    if (::mknod((root + "/overlay/" + upper + "/diff/bin/gone").c_str(), S_IFCHR | 0600, 0) != 0) {
        GTEST_SKIP() << "mknod of an overlay whiteout needs root (CAP_MKNOD)";
    }
    write_file(root + "/overlay-layers/layers.json",
               "[{\"id\":\"" + lower + "\",\"diff-digest\":\"sha256:" + lower + "\"},{\"id\":\"" +
                   upper + "\",\"parent\":\"" + lower + "\",\"diff-digest\":\"sha256:" + upper +
                   "\"}]");
    write_file(root + "/overlay-images/images.json",
               "[{\"id\":\"" + image_id + "\",\"names\":[\"localhost/mini:1\"],\"layer\":\"" +
                   upper + "\"}]");
    ScanOptions options;
    options.storage_root = root;
    auto source = open_image("containers-storage:mini:1", options);
    Inventory inventory = scan_image(*source, options.limits);
    auto executables = by_path(inventory);
    EXPECT_EQ(inventory.image.name, "localhost/mini:1");
    EXPECT_EQ(inventory.layers.size(), 2u);
    EXPECT_EQ(executables.count("/bin/keep"), 1u);
    EXPECT_EQ(executables.count("/bin/added"), 1u);
    EXPECT_EQ(executables.count("/bin/gone"), 0u);
    EXPECT_THROW(open_image("containers-storage:missing", options), ImageError);
}

}  // namespace
}  // namespace driftguard::image
