#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "image/inventory.h"

namespace driftguard::agent {

// Image inventories computed from containers' lower layers, once per layer set: fifty
// containers of one image cost one scan. Entries no running container uses are dropped.
class InventoryCache {
  public:
    // The inventory of the image made of `lowerdirs` (bottom first). Throws ImageError.
    std::shared_ptr<const image::Inventory> get(const std::vector<std::string>& lowerdirs);
    // Drops inventories held only by the cache.
    void prune();
    std::size_t size() const { return entries_.size(); }

  private:
    std::map<std::string, std::shared_ptr<const image::Inventory>> entries_;
};

}  // namespace driftguard::agent
