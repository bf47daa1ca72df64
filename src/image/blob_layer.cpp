#include "image/blob_layer.h"

#include <fmt/format.h>

#include "image/byte_stream.h"
#include "image/image_error.h"
#include "image/tar_layer_reader.h"

namespace driftguard::image {

std::string read_blob_layer(ImageFiles& files, const std::string& name,
                            const std::string& expected_digest,
                            std::optional<std::uint64_t> expected_size,
                            const std::optional<LayerMediaType>& media_type, LayerInfo& layer,
                            LayerApplier& applier, const ScanLimits& limits) {
    std::string stored_digest;
    files.stream(name, [&](ByteStream& stored) {
        VerifyingStream blob(stored, files.location(name), expected_digest, expected_size);
        TarLayerResult result = read_tar_layer(blob, applier, limits, files.location(name));
        stored_digest = blob.drain_and_verify();
        layer.compression = std::string(to_string(result.compression));
        if (media_type && !compression_matches(*media_type, result.compression)) {
            throw ImageError(fmt::format("media type {} does not match the blob's compression ({})",
                                         layer.media_type, layer.compression));
        }
    });
    return stored_digest;
}

}  // namespace driftguard::image
