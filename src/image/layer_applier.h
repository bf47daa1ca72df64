#pragma once

#include <cstdint>
#include <string>

#include "image/layer_entry.h"
#include "image/layer_tree.h"
#include "image/scan_limits.h"

namespace driftguard::image {

// Counts of what the layers held, for the scan summary.
struct LayerStats {
    std::uint64_t entries = 0;
    std::uint64_t regular_files = 0;
    std::uint64_t executables_hashed = 0;
    std::uint64_t bytes_hashed = 0;
    std::uint64_t whiteouts = 0;
};

// Applies layer entries to a LayerTree: validates each member, inspects regular files'
// content (hashing executables) and records the result. Throws ImageError naming the
// problem; the layer reader adds the member and layer to the message.
class LayerApplier {
  public:
    LayerApplier(LayerTree& tree, const ScanLimits& limits) : tree_(tree), limits_(limits) {}

    void begin_layer(std::uint16_t layer) { tree_.begin_layer(layer); }
    // `content` is read only for regular files, and only as far as needed.
    void apply(const LayerEntry& entry, ContentReader& content);

    const LayerStats& stats() const { return stats_; }

  private:
    void apply_regular(const std::string& path, const LayerEntry& entry, ContentReader& content);

    LayerTree& tree_;
    const ScanLimits& limits_;
    LayerStats stats_;
};

}  // namespace driftguard::image
