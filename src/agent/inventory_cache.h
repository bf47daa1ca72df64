#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "image/inventory.h"

namespace driftguard::agent {

// Image inventories computed from containers' lower layers, once per layer set: fifty
// containers of one image cost one scan, also when they start at once (the others wait
// for the scan under way). Safe to call from several threads. Entries no running
// container uses are dropped by prune().
class InventoryCache {
  public:
    using Entry = std::shared_ptr<const image::Inventory>;
    // The inventory of the image made of `lowerdirs` (bottom first). Throws ImageError; a
    // failed scan is not kept (the next call tries again).
    Entry get(const std::vector<std::string>& lowerdirs);
    // Drops inventories held only by the cache.
    void prune();
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_future<Entry>> entries_;
};

}  // namespace driftguard::agent
