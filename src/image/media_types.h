#pragma once

#include <optional>
#include <string_view>

#include "image/archive_reader.h"

namespace driftguard::image {

bool is_manifest_media_type(std::string_view media_type);
bool is_index_media_type(std::string_view media_type);
bool is_config_media_type(std::string_view media_type);

// The compression a layer media type promises, or nullopt if it is not a layer type.
// Docker's schema 2 type says "gzip" but registries and tools also use it for
// uncompressed layers, so it admits both (the bytes decide).
struct LayerMediaType {
    bool allows_none = false;
    bool allows_gzip = false;
    bool allows_zstd = false;
};
std::optional<LayerMediaType> layer_media_type(std::string_view media_type);
bool compression_matches(const LayerMediaType& type, Compression actual);

// True for "sha256:" followed by 64 lowercase hex digits (the only algorithm read).
bool is_valid_sha256_digest(std::string_view digest);

}  // namespace driftguard::image
