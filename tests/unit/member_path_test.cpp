#include <gtest/gtest.h>

#include "image/image_error.h"
#include "image/member_path.h"

namespace driftguard::image {
namespace {

TEST(MemberPath, NormalizesDotsAndSlashes) {
    ScanLimits limits;
    EXPECT_EQ(normalize_member_path("./usr//bin/./ls", limits), "usr/bin/ls");
    EXPECT_EQ(normalize_member_path("usr/bin/", limits), "usr/bin");
    EXPECT_EQ(normalize_member_path("./", limits), "");
}

TEST(MemberPath, RefusesParentReferencesAbsolutePathsAndNul) {
    ScanLimits limits;
    EXPECT_THROW(normalize_member_path("../etc/passwd", limits), ImageError);
    EXPECT_THROW(normalize_member_path("usr/../../etc", limits), ImageError);
    EXPECT_THROW(normalize_member_path("/etc/passwd", limits), ImageError);
    EXPECT_THROW(normalize_member_path(std::string("a\0b", 3), limits), ImageError);
}

TEST(MemberPath, RefusesPathsBeyondLengthAndDepthLimits) {
    ScanLimits limits;
    std::string deep;
    for (int i = 0; i < 300; ++i) {
        deep += "d/";
    }
    EXPECT_THROW(normalize_member_path(deep, limits), ImageError);
    EXPECT_THROW(normalize_member_path(std::string(5000, 'a'), limits), ImageError);
}

TEST(MemberPath, SymlinkEscape) {
    EXPECT_FALSE(symlink_escapes_root("usr/bin/ls", "busybox"));
    EXPECT_FALSE(symlink_escapes_root("usr/bin/ls", "../../bin/busybox"));
    EXPECT_FALSE(symlink_escapes_root("usr/bin/ls", "/etc/alternatives/ls"));
    EXPECT_TRUE(symlink_escapes_root("usr/bin/ls", "../../../etc/shadow"));
    EXPECT_TRUE(symlink_escapes_root("x", ".."));
}

}  // namespace
}  // namespace driftguard::image
