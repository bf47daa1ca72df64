#pragma once

#include <string>

#include "image/archive_reader.h"
#include "image/byte_stream.h"
#include "image/layer_applier.h"
#include "image/scan_limits.h"

namespace driftguard::image {

// What the layer's bytes turned out to be.
struct TarLayerResult {
    Compression compression = Compression::none;
    std::uint64_t uncompressed_bytes = 0;
};

// Streams one tar layer (uncompressed, gzip or zstd) from `blob` into `applier`,
// decoding OCI whiteout markers (".wh.NAME", ".wh..wh..opq"). Never writes to disk.
// Enforces the size and expansion-ratio limits as it goes, and reads `blob` to its end
// so the caller can verify the blob's digest afterwards.
TarLayerResult read_tar_layer(ByteStream& blob, LayerApplier& applier, const ScanLimits& limits,
                              const std::string& description);

}  // namespace driftguard::image
