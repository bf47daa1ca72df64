// Every kind of broken or hostile image input: each must end in one ImageError line
// that names where the problem is and what it is, never a crash or unbounded memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "image/image_error.h"
#include "image/image_scanner.h"
#include "support/test_archives.h"

namespace driftguard::image {
namespace {

using namespace driftguard::testing;
using ::testing::HasSubstr;

// Scans `reference` and returns the error message; fails the test if it succeeds.
std::string scan_error(const std::string& reference, const ScanLimits& limits = {}) {
    ScanOptions options;
    options.limits = limits;
    try {
        auto source = open_image(reference, options);
        scan_image(*source, options.limits);
    } catch (const ImageError& error) {
        std::string message = error.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << "error must be one line: " << message;
        return message;
    }
    ADD_FAILURE() << "scan of " << reference << " succeeded";
    return {};
}

// An OCI layout with one layer made of `layer_bytes` under `media_type`.
std::string layout_with_layer(
    const TempDir& dir, const std::string& layer_bytes,
    const std::string& media_type = "application/vnd.oci.image.layer.v1.tar") {
    OciImageBuilder builder;
    builder.add_raw_layer(layer_bytes, media_type, sha256_digest(layer_bytes));
    builder.write_directory(dir / "layout");
    return dir / "layout";
}

std::string gzip_layer_type() {
    return "application/vnd.oci.image.layer.v1.tar+gzip";
}

// Bytes that do not compress, so a cut compressed stream ends inside the member.
std::string incompressible(std::size_t size) {
    std::string data(size, '\0');
    std::uint32_t state = 12345;
    for (char& c : data) {
        state = state * 1103515245 + 12345;
        c = static_cast<char>(state >> 24);
    }
    return data;
}

TEST(HostileImage, TruncatedGzip) {
    TempDir dir;
    std::string gz = make_tar({file("bin/a", incompressible(1000000), 0755)}, Compression::gzip);
    gz.resize(gz.size() / 2);
    std::string message = scan_error(layout_with_layer(dir, gz, gzip_layer_type()));
    EXPECT_THAT(message, HasSubstr("layer 1/1"));
    EXPECT_THAT(message, HasSubstr("member 'bin/a'"));
}

TEST(HostileImage, CorruptGzip) {
    TempDir dir;
    std::string gz = make_tar({file("bin/a", std::string(100000, 'x'), 0755)}, Compression::gzip);
    for (std::size_t i = 20; i < 60; ++i) {
        gz[i] = static_cast<char>(gz[i] ^ 0x5a);
    }
    EXPECT_THAT(scan_error(layout_with_layer(dir, gz, gzip_layer_type())), HasSubstr("layer 1/1"));
}

TEST(HostileImage, TruncatedZstd) {
    TempDir dir;
    std::string zst = make_tar({file("bin/a", incompressible(300000), 0755)}, Compression::zstd);
    zst.resize(zst.size() - 8);
    std::string message =
        scan_error(layout_with_layer(dir, zst, "application/vnd.oci.image.layer.v1.tar+zstd"));
    EXPECT_THAT(message, HasSubstr("layer 1/1"));
    EXPECT_THAT(message, HasSubstr("member 'bin/a'"));
}

TEST(HostileImage, CorruptTarHeader) {
    TempDir dir;
    std::string tar = make_tar({file("bin/a", "abc", 0755), file("bin/b", "def", 0755)});
    std::size_t header = find_header(tar, "bin/b");
    tar[header + 150] = 'Z';  // breaks the checksum
    EXPECT_THAT(scan_error(layout_with_layer(dir, tar)), HasSubstr("bad member header"));
}

TEST(HostileImage, LayerWithANonLayerMediaType) {
    TempDir dir;
    std::string tar = make_tar({file("a", "a")});
    EXPECT_THAT(scan_error(layout_with_layer(dir, tar, "application/vnd.oci.image.config.v1+json")),
                HasSubstr("is not a layer type"));
}

TEST(HostileImage, MediaTypeDisagreesWithTheCompression) {
    TempDir dir;
    std::string zst = make_tar({file("a", "a")}, Compression::zstd);
    EXPECT_THAT(scan_error(layout_with_layer(dir, zst, gzip_layer_type())),
                HasSubstr("does not match the blob's compression (zstd)"));
}

TEST(HostileImage, ManifestPointingAtAMissingBlob) {
    TempDir dir;
    OciImageBuilder builder;
    std::string digest = builder.add_layer(make_tar({file("a", "a")}), Compression::gzip);
    builder.write_directory(dir / "layout");
    std::filesystem::remove(dir / "layout/blobs/sha256/" + digest.substr(7));
    std::string message = scan_error(dir / "layout");
    EXPECT_THAT(message, HasSubstr("layers[0]"));
    EXPECT_THAT(message, HasSubstr(digest + " is missing"));
}

TEST(HostileImage, BlobWhoseDigestDoesNotMatch) {
    TempDir dir;
    OciImageBuilder builder;
    std::string digest =
        builder.add_layer(make_tar({file("bin/a", "original", 0755)}), Compression::none);
    builder.write_directory(dir / "layout");
    // Same size, different content: only the digest can tell.
    std::string tampered = make_tar({file("bin/a", "tampered", 0755)});
    write_file(dir / "layout/blobs/sha256/" + digest.substr(7), tampered);
    std::string message = scan_error(dir / "layout");
    EXPECT_THAT(message, HasSubstr("digest mismatch"));
    EXPECT_THAT(message, HasSubstr(digest));
}

TEST(HostileImage, TamperedManifestIsCaughtByItsDigest) {
    TempDir dir;
    OciImageBuilder builder;
    builder.add_layer(make_tar({file("a", "a")}), Compression::none);
    builder.write_directory(dir / "layout");
    std::string path = dir / "layout/blobs/sha256/" + builder.manifest_digest.substr(7);
    std::string manifest = builder.blobs[builder.manifest_digest];
    manifest[manifest.size() - 2] = ' ';
    write_file(path, manifest);
    EXPECT_THAT(scan_error(dir / "layout"), HasSubstr("digest mismatch"));
}

TEST(HostileImage, DigestThatTriesToLeaveTheLayout) {
    TempDir dir;
    OciImageBuilder builder;
    builder.add_raw_layer("x", "application/vnd.oci.image.layer.v1.tar",
                          "sha256:../../../../etc/passwd");
    builder.write_directory(dir / "layout");
    std::string index =
        R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../../etc/passwd","size":10}]})";
    write_file(dir / "layout/index.json", index);
    EXPECT_THAT(scan_error(dir / "layout"), HasSubstr("is not sha256:<64 hex digits>"));
}

TEST(HostileImage, ParentDirectoryMember) {
    TempDir dir;
    std::string message =
        scan_error(layout_with_layer(dir, make_tar({file("../../escape", "x", 0755)})));
    EXPECT_THAT(message, HasSubstr("member '../../escape'"));
    EXPECT_THAT(message, HasSubstr("climbs out"));
}

TEST(HostileImage, AbsoluteMember) {
    TempDir dir;
    EXPECT_THAT(scan_error(layout_with_layer(dir, make_tar({file("/etc/cron.d/job", "x")}))),
                HasSubstr("absolute path"));
}

TEST(HostileImage, SymlinkPointingOutsideTheRoot) {
    TempDir dir;
    EXPECT_THAT(
        scan_error(layout_with_layer(dir, make_tar({symlink("etc/link", "../../../host/etc")}))),
        HasSubstr("points outside the image root"));
}

TEST(HostileImage, MemberWrittenThroughASymlink) {
    TempDir dir;
    std::string tar = make_tar({symlink("lib", "/etc"), file("lib/cron.d/job", "x")});
    EXPECT_THAT(scan_error(layout_with_layer(dir, tar)),
                HasSubstr("goes through the symlink 'lib'"));
}

TEST(HostileImage, HardlinkToAMissingTarget) {
    TempDir dir;
    std::string message =
        scan_error(layout_with_layer(dir, make_tar({hardlink("bin/sh", "bin/missing")})));
    EXPECT_THAT(message, HasSubstr("member 'bin/sh'"));
    EXPECT_THAT(message, HasSubstr("hard link target 'bin/missing' does not exist"));
}

TEST(HostileImage, DeviceFile) {
    TempDir dir;
    TarMember device{"dev/mem", MemberType::char_device, {}, 0600, {}};
    EXPECT_THAT(scan_error(layout_with_layer(dir, make_tar({device}))), HasSubstr("device node"));
}

TEST(HostileImage, AbsurdSizeInAHeader) {
    TempDir dir;
    std::string tar = make_tar({file("bin/a", "abc", 0755)});
    set_first_member_size(tar, 1ULL << 50, find_header(tar, "bin/a"));
    std::string message = scan_error(layout_with_layer(dir, tar));
    EXPECT_THAT(message, HasSubstr("member 'bin/a'"));
}

TEST(HostileImage, SizeBeyondTheDataIsTruncation) {
    TempDir dir;
    std::string tar = make_tar({file("bin/a", "abc", 0755)});
    set_first_member_size(tar, 1ULL << 30, find_header(tar, "bin/a"));
    EXPECT_THAT(scan_error(layout_with_layer(dir, tar)), HasSubstr("member 'bin/a'"));
}

TEST(HostileImage, DeeplyNestedDirectories) {
    TempDir dir;
    std::string deep;
    for (int i = 0; i < 400; ++i) {
        deep += "d/";
    }
    EXPECT_THAT(scan_error(layout_with_layer(dir, make_tar({file(deep + "x", "x")}))),
                HasSubstr("nested deeper than"));
}

TEST(HostileImage, TooManyEntries) {
    TempDir dir;
    std::vector<TarMember> members;
    for (int i = 0; i < 50; ++i) {
        members.push_back(file("f" + std::to_string(i), ""));
    }
    ScanLimits limits;
    limits.max_entries = 20;
    EXPECT_THAT(scan_error(layout_with_layer(dir, make_tar(members)), limits),
                HasSubstr("more than 20 paths"));
}

TEST(HostileImage, DecompressionBombStopsEarlyWithBoundedMemory) {
    TempDir dir;
    // 128 MiB of zeros in one member gzip to about 128 KiB (over 1000:1).
    std::string tar = make_tar({file("zeros", std::string(128u << 20, '\0'))}, Compression::gzip);
    std::string layout = layout_with_layer(dir, tar, gzip_layer_type());
    ScanLimits limits;
    limits.ratio_grace_bytes = 8u << 20;
    // Run in a child so its peak RSS is its own.
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ScanOptions options;
        options.limits = limits;
        try {
            auto source = open_image(layout, options);
            scan_image(*source, options.limits);
        } catch (const ImageError& error) {
            std::string message = error.what();
            _exit(message.find("decompression bomb") != std::string::npos ? 0 : 2);
        }
        _exit(1);
    }
    int status = 0;
    struct rusage usage {};
    ASSERT_EQ(::wait4(child, &status, 0, &usage), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: bomb not detected, 2: other error";
    EXPECT_LT(usage.ru_maxrss, 256 * 1024) << "peak RSS in KiB";
}

TEST(HostileImage, InvalidJsonInTheIndex) {
    TempDir dir;
    OciImageBuilder builder;
    builder.add_layer(make_tar({file("a", "a")}), Compression::none);
    builder.write_directory(dir / "layout");
    write_file(dir / "layout/index.json", "{\"manifests\": [");
    EXPECT_THAT(scan_error(dir / "layout"), HasSubstr("index.json: not valid JSON"));
}

TEST(HostileImage, ArchiveThatIsNotAnImage) {
    TempDir dir;
    write_file(dir / "random.tar", make_tar({file("hello.txt", "hi")}));
    EXPECT_THAT(scan_error(dir / "random.tar"),
                HasSubstr("neither an OCI layout nor a docker-archive"));
    write_file(dir / "garbage.bin", std::string(4096, '\x42'));
    EXPECT_THAT(scan_error(dir / "garbage.bin"), HasSubstr("garbage.bin"));
}

TEST(HostileImage, DockerArchiveLayerTamperedAfterSave) {
    TempDir dir;
    std::string layer = make_tar({file("bin/a", "original", 0755)});
    std::string archive = make_docker_archive({layer}, "localhost/x:1");
    std::size_t at = archive.find("original");
    ASSERT_NE(at, std::string::npos);
    archive.replace(at, 8, "tampered");
    write_file(dir / "docker.tar", archive);
    EXPECT_THAT(scan_error(dir / "docker.tar"), HasSubstr("digest mismatch"));
}

TEST(HostileImage, MissingReference) {
    EXPECT_THAT(scan_error("/nonexistent/image"), HasSubstr("is not a file or directory"));
}

}  // namespace
}  // namespace driftguard::image
