#include "runtime/container_diff.h"

#include <algorithm>
#include <map>

#include "image/image_scanner.h"

namespace driftguard::runtime {
namespace {

image::Inventory scan_layers(const std::vector<std::string>& layers, const std::string& what) {
    image::ImageInfo info;
    info.reference = what;
    auto source = image::open_layer_directories(layers, info);
    return image::scan_image(*source, image::ScanLimits{});
}

std::string layer_of(const image::Inventory& inventory, const image::Executable& executable) {
    if (executable.layer_index < inventory.layers.size()) {
        const auto& layer = inventory.layers[executable.layer_index];
        return layer.digest.empty() ? layer.diff_id : layer.digest;
    }
    return {};
}

}  // namespace

std::string_view to_string(ExecutableChange::Kind kind) {
    switch (kind) {
        case ExecutableChange::Kind::added:
            return "added";
        case ExecutableChange::Kind::modified:
            return "modified";
        case ExecutableChange::Kind::removed:
            return "removed";
    }
    return "added";
}

std::vector<ExecutableChange> diff_container(const ContainerRoot& root,
                                             const std::vector<std::string>& hidden,
                                             const image::Inventory* image) {
    image::Inventory own_image;
    if (image == nullptr) {
        own_image = scan_layers(root.lowerdirs, "image layers");
        image = &own_image;
    }
    std::vector<std::string> layers = root.lowerdirs;
    layers.push_back(root.upperdir);
    const image::Inventory now = scan_layers(layers, "container layers");

    std::vector<ExecutableChange> changes;
    for (const auto& current : now.executables) {
        const image::Executable* original = image::find_executable(*image, current.path);
        ExecutableChange change;
        change.path = current.path;
        change.sha256 = to_hex(current.content->sha256);
        change.mode = current.mode;
        if (original == nullptr) {
            change.kind = ExecutableChange::Kind::added;
        } else {
            change.image_sha256 = to_hex(original->content->sha256);
            change.image_mode = original->mode;
            change.image_layer = layer_of(*image, *original);
            if (change.image_sha256 == change.sha256 && change.image_mode == change.mode) {
                continue;
            }
            change.kind = ExecutableChange::Kind::modified;
        }
        changes.push_back(std::move(change));
    }
    for (const auto& original : image->executables) {
        if (image::find_executable(now, original.path) == nullptr) {
            ExecutableChange change;
            change.kind = ExecutableChange::Kind::removed;
            change.path = original.path;
            change.image_sha256 = to_hex(original.content->sha256);
            change.image_mode = original.mode;
            change.image_layer = layer_of(*image, original);
            changes.push_back(std::move(change));
        }
    }
    std::erase_if(changes, [&hidden](const ExecutableChange& change) {
        return std::any_of(hidden.begin(), hidden.end(), [&change](const std::string& point) {
            return change.path == point || change.path.starts_with(point + "/");
        });
    });
    std::sort(changes.begin(), changes.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    return changes;
}

}  // namespace driftguard::runtime
