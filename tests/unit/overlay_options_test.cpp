// The overlay mount options a container's root is read from (mountinfo's super options):
// layer order, the escapes the kernel and overlayfs use, and the 6.7+ "lowerdir+" form.
#include <gtest/gtest.h>

#include "runtime/container_discovery.h"

namespace driftguard::runtime {
namespace {

using Dirs = std::vector<std::string>;

TEST(OverlayOptions, LowerdirsComeBottomFirst) {
    const auto root = parse_overlay_options(
        "rw,lowerdir=/l/top:/l/mid:/l/bottom,upperdir=/u/diff,workdir=/u/work,index=off");
    EXPECT_EQ(root.lowerdirs, (Dirs{"/l/bottom", "/l/mid", "/l/top"}));
    EXPECT_EQ(root.upperdir, "/u/diff");
}

TEST(OverlayOptions, EscapedSeparatorsAndMountinfoOctalEscapes) {
    // overlayfs escapes ':' and ',' inside a path with a backslash; mountinfo writes a
    // space (and tab, newline, backslash) as an octal escape.
    const auto root =
        parse_overlay_options("lowerdir=/l/a\\:b:/l/with\\040space,upperdir=/u/x\\,y,workdir=/w");
    EXPECT_EQ(root.lowerdirs, (Dirs{"/l/with space", "/l/a:b"}));
    EXPECT_EQ(root.upperdir, "/u/x,y");
    // As mountinfo shows them: its own escape of the backslash, \134.
    const auto shown = parse_overlay_options("lowerdir=/l/a\\134:b:/l/c,upperdir=/u/d\\134,e");
    EXPECT_EQ(shown.lowerdirs, (Dirs{"/l/c", "/l/a:b"}));
    EXPECT_EQ(shown.upperdir, "/u/d,e");
}

TEST(OverlayOptions, LowerdirPlusOptionsOfNewerKernels) {
    const auto root = parse_overlay_options(
        "lowerdir+=/l/top,lowerdir+=/l/bottom,upperdir=/u/diff,workdir=/u/work");
    EXPECT_EQ(root.lowerdirs, (Dirs{"/l/bottom", "/l/top"}));
    EXPECT_EQ(root.upperdir, "/u/diff");
}

TEST(OverlayOptions, AReadOnlyOverlayHasNoUpperLayer) {
    const auto root = parse_overlay_options("ro,lowerdir=/l/one:/l/two");
    EXPECT_EQ(root.lowerdirs, (Dirs{"/l/two", "/l/one"}));
    EXPECT_TRUE(root.upperdir.empty());
}

}  // namespace
}  // namespace driftguard::runtime
