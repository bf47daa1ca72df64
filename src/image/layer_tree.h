#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "image/executable.h"
#include "image/scan_limits.h"

namespace driftguard::image {

enum class NodeType : std::uint8_t { directory, regular, symlink, special };

// One path of the merged image as the layers applied so far define it.
struct TreeNode {
    NodeType type = NodeType::regular;
    std::uint16_t layer = 0;  // index of the layer that last wrote this path
    std::uint32_t mode = 0;   // permission bits (07777)
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::string link_target;                      // symlinks only
    std::shared_ptr<const ContentFacts> content;  // executables only; shared by hard links
};

// The union view of the layers applied so far, with OCI/overlay whiteout semantics:
// a path written by a layer hides the same path below; a whiteout removes a path and
// everything under it that lower layers supplied; an opaque directory hides everything
// lower layers put beneath it. Entries of the current layer are never hidden by a
// whiteout of the same layer, whatever their order in the layer.
//
// Memory: one map node per path (path bytes + ~120 bytes), bounded by max_entries.
class LayerTree {
  public:
    explicit LayerTree(const ScanLimits& limits) : limits_(limits) {}

    void begin_layer(std::uint16_t layer) { layer_ = layer; }

    // Adds or replaces `path` (canonical, relative). Creates missing parent directories.
    // Throws ImageError if a parent is a symlink or a non-directory of the same layer.
    void add(const std::string& path, TreeNode node);
    // Adds `path` as a hard link to the existing regular file `target`.
    void add_hardlink(const std::string& path, const std::string& target);
    // Removes `path` and its subtree as supplied by lower layers.
    void whiteout(const std::string& path);
    // Hides everything lower layers supplied beneath directory `path`.
    void make_opaque(const std::string& path);

    const TreeNode* find(std::string_view path) const;
    std::size_t size() const { return nodes_.size(); }

    void for_each(const std::function<void(const std::string&, const TreeNode&)>& visit) const;

  private:
    using NodeMap = std::map<std::string, TreeNode, std::less<>>;

    void ensure_parents(const std::string& path);
    void remove_lower_subtree(const std::string& path);
    void check_capacity() const;

    const ScanLimits& limits_;
    std::uint16_t layer_ = 0;
    NodeMap nodes_;
};

}  // namespace driftguard::image
