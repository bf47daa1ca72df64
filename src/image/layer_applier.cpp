#include "image/layer_applier.h"

#include <fmt/format.h>

#include "image/content_inspector.h"
#include "image/image_error.h"
#include "image/member_path.h"

namespace driftguard::image {

void LayerApplier::apply_regular(const std::string& path, const LayerEntry& entry,
                                 ContentReader& content) {
    if (entry.size > limits_.max_file_bytes) {
        throw ImageError(fmt::format("file size {} exceeds the limit of {} bytes", entry.size,
                                     limits_.max_file_bytes));
    }
    ++stats_.regular_files;
    ContentInspector inspector((entry.mode & 0111) != 0);
    for (auto chunk = content.next(); !chunk.empty(); chunk = content.next()) {
        if (!inspector.feed(chunk)) {
            break;
        }
    }
    TreeNode node;
    node.type = NodeType::regular;
    node.mode = entry.mode & 07777;
    node.uid = entry.uid;
    node.gid = entry.gid;
    if (auto facts = inspector.finish()) {
        if (facts->size != entry.size) {
            throw ImageError(
                fmt::format("header says {} bytes but the data holds {}", entry.size, facts->size));
        }
        ++stats_.executables_hashed;
        stats_.bytes_hashed += facts->size;
        node.content = std::make_shared<const ContentFacts>(std::move(*facts));
    }
    tree_.add(path, std::move(node));
}

void LayerApplier::apply(const LayerEntry& entry, ContentReader& content) {
    ++stats_.entries;
    const std::string path = normalize_member_path(entry.path, limits_);
    switch (entry.type) {
        case EntryType::regular:
            apply_regular(path, entry, content);
            return;
        case EntryType::directory:
            tree_.add(
                path,
                TreeNode{
                    NodeType::directory, 0, entry.mode & 07777, entry.uid, entry.gid, {}, nullptr});
            return;
        case EntryType::symlink:
            if (entry.link_target.empty()) {
                throw ImageError("symlink with an empty target");
            }
            if (symlink_escapes_root(path, entry.link_target)) {
                throw ImageError(fmt::format("symlink target '{}' points outside the image root",
                                             entry.link_target));
            }
            tree_.add(path, TreeNode{NodeType::symlink, 0, 0777, entry.uid, entry.gid,
                                     std::string(entry.link_target), nullptr});
            return;
        case EntryType::hardlink:
            tree_.add_hardlink(path, normalize_member_path(entry.link_target, limits_));
            return;
        case EntryType::whiteout:
            ++stats_.whiteouts;
            tree_.whiteout(path);
            return;
        case EntryType::opaque:
            ++stats_.whiteouts;
            tree_.make_opaque(path);
            return;
        case EntryType::device:
            throw ImageError("device node in an image layer (images carry no devices)");
        case EntryType::fifo_socket:
            tree_.add(
                path,
                TreeNode{
                    NodeType::special, 0, entry.mode & 07777, entry.uid, entry.gid, {}, nullptr});
            return;
    }
}

}  // namespace driftguard::image
