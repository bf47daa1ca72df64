#pragma once

#include <cstddef>
#include <cstdint>

namespace driftguard::image {

// Bounds that keep a hostile image from exhausting memory, disk or time.
// Memory use of a scan is O(max_entries) metadata plus a few fixed buffers: it never
// depends on how large a layer or a file is (docs/scan.md states the figures).
struct ScanLimits {
    std::uint64_t max_entries = 2'000'000;             // paths in the merged image tree
    std::size_t max_path_length = 4096;                // PATH_MAX
    std::size_t max_path_depth = 256;                  // components in one path
    std::size_t max_layers = 512;                      // overlayfs cannot stack more anyway
    std::size_t max_metadata_bytes = 4 * 1024 * 1024;  // index, manifest, config JSON
    std::uint64_t max_layer_bytes = 64ULL << 30;       // uncompressed bytes of one layer
    std::uint64_t max_file_bytes = 32ULL << 30;        // one file inside a layer
    // Decompression-bomb guard: once a layer has produced ratio_grace_bytes, its output
    // may not exceed max_expansion_ratio times the compressed input read so far.
    double max_expansion_ratio = 200.0;
    std::uint64_t ratio_grace_bytes = 256ULL << 20;
};

}  // namespace driftguard::image
