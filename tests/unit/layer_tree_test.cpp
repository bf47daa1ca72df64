#include <gtest/gtest.h>

#include <vector>

#include "image/image_error.h"
#include "image/layer_tree.h"

namespace driftguard::image {
namespace {

TreeNode regular_file() {
    return TreeNode{NodeType::regular, 0, 0755, 0, 0, {}, std::make_shared<ContentFacts>()};
}
TreeNode dir() {
    return TreeNode{NodeType::directory, 0, 0755, 0, 0, {}, nullptr};
}

std::vector<std::string> paths(const LayerTree& tree) {
    std::vector<std::string> result;
    tree.for_each([&](const std::string& path, const TreeNode&) { result.push_back(path); });
    return result;
}

TEST(LayerTree, CreatesMissingParentDirectories) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("usr/bin/ls", regular_file());
    EXPECT_EQ(paths(tree), (std::vector<std::string>{"usr", "usr/bin", "usr/bin/ls"}));
    EXPECT_EQ(tree.find("usr")->type, NodeType::directory);
}

TEST(LayerTree, WhiteoutRemovesLowerPathAndSubtree) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("opt/tool/bin/run", regular_file());
    tree.add("opt/keep", regular_file());
    tree.begin_layer(1);
    tree.whiteout("opt/tool");
    EXPECT_EQ(paths(tree), (std::vector<std::string>{"opt", "opt/keep"}));
}

TEST(LayerTree, WhiteoutDoesNotHideTheSameLayersEntryWhateverTheOrder) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("bin/app", regular_file());
    tree.begin_layer(1);
    tree.add("bin/app", regular_file());
    tree.whiteout("bin/app");
    ASSERT_NE(tree.find("bin/app"), nullptr);
    EXPECT_EQ(tree.find("bin/app")->layer, 1);
}

TEST(LayerTree, OpaqueDirectoryHidesOnlyLowerLayers) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("etc/old.conf", regular_file());
    tree.add("etc/sub/deep", regular_file());
    tree.begin_layer(1);
    tree.add("etc/new.conf", regular_file());  // before the marker in tar order
    tree.make_opaque("etc");
    EXPECT_EQ(paths(tree), (std::vector<std::string>{"etc", "etc/new.conf"}));
}

TEST(LayerTree, FileReplacingADirectoryDropsItsLowerChildren) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("lib/x/y", regular_file());
    tree.begin_layer(1);
    tree.add("lib/x", regular_file());
    EXPECT_EQ(paths(tree), (std::vector<std::string>{"lib", "lib/x"}));
}

TEST(LayerTree, HardLinkSharesTheTargetsContentFacts) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("bin/busybox", regular_file());
    tree.add_hardlink("bin/sh", "bin/busybox");
    EXPECT_EQ(tree.find("bin/sh")->content, tree.find("bin/busybox")->content);
    EXPECT_THROW(tree.add_hardlink("bin/x", "bin/missing"), ImageError);
    EXPECT_THROW(tree.add_hardlink("bin/y", "bin"), ImageError);
}

TEST(LayerTree, PathThroughASymlinkIsRefused) {
    ScanLimits limits;
    LayerTree tree(limits);
    tree.add("evil", TreeNode{NodeType::symlink, 0, 0777, 0, 0, "/etc", nullptr});
    EXPECT_THROW(tree.add("evil/cron.d/job", regular_file()), ImageError);
}

TEST(LayerTree, EntryLimitIsEnforced) {
    ScanLimits limits;
    limits.max_entries = 3;
    LayerTree tree(limits);
    tree.add("a", dir());
    tree.add("b", dir());
    tree.add("c", dir());
    EXPECT_THROW(tree.add("d", dir()), ImageError);
}

}  // namespace
}  // namespace driftguard::image
