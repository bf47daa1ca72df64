#include "agent/inventory_cache.h"

#include "image/image_scanner.h"

namespace driftguard::agent {

std::shared_ptr<const image::Inventory> InventoryCache::get(
    const std::vector<std::string>& lowerdirs) {
    std::string key;
    for (const auto& dir : lowerdirs) {
        key += dir + '\n';
    }
    if (auto cached = entries_.find(key); cached != entries_.end()) {
        return cached->second;
    }
    image::ImageInfo info;
    info.reference = "overlay lower layers";
    auto source = image::open_layer_directories(lowerdirs, info);
    auto inventory =
        std::make_shared<const image::Inventory>(image::scan_image(*source, image::ScanLimits{}));
    entries_[key] = inventory;
    return inventory;
}

void InventoryCache::prune() {
    for (auto it = entries_.begin(); it != entries_.end();) {
        it = it->second.use_count() == 1 ? entries_.erase(it) : std::next(it);
    }
}

}  // namespace driftguard::agent
