#include "image/layer_tree.h"

#include <fmt/format.h>

#include "image/image_error.h"
#include "image/member_path.h"

namespace driftguard::image {

void LayerTree::check_capacity() const {
    if (nodes_.size() >= limits_.max_entries) {
        throw ImageError(fmt::format("image has more than {} paths", limits_.max_entries));
    }
}

void LayerTree::ensure_parents(const std::string& path) {
    std::size_t slash = 0;
    while ((slash = path.find('/', slash)) != std::string::npos) {
        std::string parent = path.substr(0, slash);
        ++slash;
        auto found = nodes_.find(parent);
        if (found == nodes_.end()) {
            check_capacity();
            TreeNode directory;
            directory.type = NodeType::directory;
            directory.layer = layer_;
            directory.mode = 0755;
            nodes_.emplace(std::move(parent), std::move(directory));
            continue;
        }
        TreeNode& node = found->second;
        if (node.type == NodeType::directory) {
            continue;
        }
        if (node.type == NodeType::symlink) {
            throw ImageError(fmt::format("path goes through the symlink '{}' (-> '{}')", parent,
                                         node.link_target));
        }
        if (node.layer == layer_) {
            throw ImageError(fmt::format("parent '{}' is a file in the same layer", parent));
        }
        // A lower layer's file is replaced by an implicit directory of this layer.
        node = TreeNode{NodeType::directory, layer_, 0755, 0, 0, {}, nullptr};
    }
}

void LayerTree::remove_lower_subtree(const std::string& path) {
    std::string prefix = path.empty() ? std::string() : path + "/";
    auto it = nodes_.lower_bound(prefix);
    while (it != nodes_.end() && it->first.starts_with(prefix)) {
        it = it->second.layer < layer_ ? nodes_.erase(it) : std::next(it);
    }
}

void LayerTree::add(const std::string& path, TreeNode node) {
    if (path.empty()) {
        return;  // the root directory itself
    }
    ensure_parents(path);
    node.layer = layer_;
    auto found = nodes_.find(path);
    if (found == nodes_.end()) {
        check_capacity();
        nodes_.emplace(path, std::move(node));
        return;
    }
    if (found->second.type == NodeType::directory && node.type != NodeType::directory) {
        remove_lower_subtree(path);  // a non-directory replaces a lower directory
        found = nodes_.find(path);
    }
    found->second = std::move(node);
}

void LayerTree::add_hardlink(const std::string& path, const std::string& target) {
    auto found = nodes_.find(target);
    if (found == nodes_.end()) {
        throw ImageError(fmt::format("hard link target '{}' does not exist", target));
    }
    if (found->second.type != NodeType::regular) {
        throw ImageError(fmt::format("hard link target '{}' is not a regular file", target));
    }
    TreeNode node = found->second;  // copies the shared content facts, not the content
    add(path, std::move(node));
}

void LayerTree::whiteout(const std::string& path) {
    if (path.empty()) {
        throw ImageError("whiteout of the image root");
    }
    auto found = nodes_.find(path);
    if (found != nodes_.end() && found->second.layer < layer_) {
        nodes_.erase(found);
    }
    remove_lower_subtree(path);
}

void LayerTree::make_opaque(const std::string& path) {
    remove_lower_subtree(path);
    if (!path.empty()) {
        TreeNode directory;
        directory.type = NodeType::directory;
        directory.mode = 0755;
        auto found = nodes_.find(path);
        if (found == nodes_.end() || found->second.type != NodeType::directory) {
            add(path, directory);
        }
    }
}

const TreeNode* LayerTree::find(std::string_view path) const {
    auto found = nodes_.find(path);
    return found == nodes_.end() ? nullptr : &found->second;
}

void LayerTree::for_each(
    const std::function<void(const std::string&, const TreeNode&)>& visit) const {
    for (const auto& [path, node] : nodes_) {
        visit(path, node);
    }
}

}  // namespace driftguard::image
