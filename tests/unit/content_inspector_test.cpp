#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "common/sha256.h"
#include "image/content_inspector.h"

namespace driftguard::image {
namespace {

std::optional<ContentFacts> inspect(const std::string& data, bool exec_bit,
                                    std::size_t chunk = 4096) {
    ContentInspector inspector(exec_bit);
    for (std::size_t offset = 0; offset < data.size(); offset += chunk) {
        auto piece =
            std::as_bytes(std::span(data)).subspan(offset, std::min(chunk, data.size() - offset));
        if (!inspector.feed(piece)) {
            break;
        }
    }
    return inspector.finish();
}

std::string read_host_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ContentInspector, PlainDataWithoutExecBitIsNotAnExecutable) {
    EXPECT_FALSE(inspect("hello world\n", false));
    EXPECT_FALSE(inspect("", false));
    EXPECT_FALSE(inspect("#", false));
}

TEST(ContentInspector, ExecBitMakesAnyFileAnExecutableOfKindOther) {
    auto facts = inspect("data", true);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::other);
    EXPECT_EQ(facts->size, 4u);
    EXPECT_EQ(to_hex(facts->sha256), to_hex(sha256_of("data")));
}

TEST(ContentInspector, EmptyFileWithExecBitIsHashed) {
    auto facts = inspect("", true);
    ASSERT_TRUE(facts);
    EXPECT_EQ(to_hex(facts->sha256), to_hex(sha256_of("")));
}

TEST(ContentInspector, ShebangWithoutExecBitIsAScriptWithItsInterpreter) {
    auto facts = inspect("#!  /usr/bin/env python3 \nprint(1)\n", false);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::script);
    EXPECT_EQ(facts->interpreter, "/usr/bin/env python3");
}

TEST(ContentInspector, ByteAtATimeGivesTheSameDigestAsOneChunk) {
    const std::string script = "#!/bin/sh\necho one byte at a time\n";
    auto whole = inspect(script, false, script.size());
    auto bytes = inspect(script, false, 1);
    ASSERT_TRUE(whole && bytes);
    EXPECT_EQ(whole->sha256, bytes->sha256);
    EXPECT_EQ(to_hex(bytes->sha256), to_hex(sha256_of(script)));
}

TEST(ContentInspector, StaticExecutable) {
    const std::string busybox = read_host_file("/bin/busybox");
    ASSERT_FALSE(busybox.empty()) << "busybox-static is a test dependency";
    auto facts = inspect(busybox, true, 10240);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::elf_executable);
    EXPECT_EQ(facts->linkage, Linkage::static_linked);
    EXPECT_EQ(facts->machine, "x86_64");
    EXPECT_EQ(facts->sha256, sha256_of(busybox));
}

TEST(ContentInspector, DynamicPieWithItsInterpreter) {
    auto facts = inspect(read_host_file("/bin/ls"), true);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::elf_shared);
    EXPECT_EQ(facts->linkage, Linkage::dynamic);
    EXPECT_EQ(facts->interpreter, "/lib64/ld-linux-x86-64.so.2");
}

TEST(ContentInspector, InterpreterFarBeyondThePrefixIsCapturedWhileStreaming) {
    // glibc's libc.so.6 keeps PT_INTERP more than a megabyte into the file.
    auto facts = inspect(read_host_file("/lib/x86_64-linux-gnu/libc.so.6"), false, 65536);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::elf_shared);
    EXPECT_EQ(facts->linkage, Linkage::dynamic);
    EXPECT_EQ(facts->interpreter, "/lib64/ld-linux-x86-64.so.2");
}

TEST(ContentInspector, SharedLibraryWithoutExecBitIsStillAnExecutable) {
    auto facts = inspect(read_host_file("/lib/x86_64-linux-gnu/libz.so.1"), false);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::elf_shared);
    EXPECT_EQ(facts->linkage, Linkage::not_applicable);
    EXPECT_TRUE(facts->interpreter.empty());
}

TEST(ContentInspector, TruncatedElfHeaderIsElfOtherWithUnknownLinkage) {
    auto facts = inspect(std::string("\x7f"
                                     "ELF\x02\x01",
                                     6),
                         false);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->kind, ExecutableKind::elf_other);
    EXPECT_EQ(facts->linkage, Linkage::unknown);
}

TEST(ContentInspector, ProgramHeadersPointingOutsideTheFileAreUnknownNotACrash) {
    std::string elf = read_host_file("/bin/ls").substr(0, 64);
    elf[32] = '\xff';  // e_phoff low byte: beyond the data
    elf[39] = '\x7f';
    auto facts = inspect(elf, true);
    ASSERT_TRUE(facts);
    EXPECT_EQ(facts->linkage, Linkage::unknown);
}

}  // namespace
}  // namespace driftguard::image
