#include "agent/inventory_cache.h"

#include <chrono>

#include "image/image_scanner.h"

namespace driftguard::agent {

InventoryCache::Entry InventoryCache::get(const std::vector<std::string>& lowerdirs) {
    std::string key;
    for (const auto& dir : lowerdirs) {
        key += dir + '\n';
    }
    std::promise<Entry> promise;
    std::shared_future<Entry> under_way;
    {
        std::lock_guard lock(mutex_);
        if (auto cached = entries_.find(key); cached != entries_.end()) {
            under_way = cached->second;
        } else {
            entries_.emplace(key, promise.get_future().share());
        }
    }
    if (under_way.valid()) {
        return under_way.get();  // scanned, or being scanned by another thread
    }
    try {
        image::ImageInfo info;
        info.reference = "overlay lower layers";
        auto source = image::open_layer_directories(lowerdirs, info);
        auto inventory = std::make_shared<const image::Inventory>(
            image::scan_image(*source, image::ScanLimits{}));
        promise.set_value(inventory);
        return inventory;
    } catch (...) {
        promise.set_exception(std::current_exception());
        std::lock_guard lock(mutex_);
        entries_.erase(key);
        throw;
    }
}

void InventoryCache::prune() {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
        const bool ready =
            it->second.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
        it = ready && it->second.get().use_count() == 1 ? entries_.erase(it) : std::next(it);
    }
}

std::size_t InventoryCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace driftguard::agent
