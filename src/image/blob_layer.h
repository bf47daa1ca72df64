#pragma once

#include <optional>
#include <string>

#include "image/image_files.h"
#include "image/inventory.h"
#include "image/layer_applier.h"
#include "image/media_types.h"

namespace driftguard::image {

// Streams the tar layer stored as `name` in `files` into `applier` and verifies the
// blob: `expected_digest` is checked against the bytes as stored (skipped if empty, as
// is the size if unset); `media_type`, if set, must agree with the compression found.
// Sets layer.compression and returns the digest of the blob's bytes as stored.
std::string read_blob_layer(ImageFiles& files, const std::string& name,
                            const std::string& expected_digest,
                            std::optional<std::uint64_t> expected_size,
                            const std::optional<LayerMediaType>& media_type, LayerInfo& layer,
                            LayerApplier& applier, const ScanLimits& limits);

}  // namespace driftguard::image
