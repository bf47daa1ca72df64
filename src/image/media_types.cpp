#include "image/media_types.h"

#include <algorithm>
#include <array>

namespace driftguard::image {

bool is_manifest_media_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.manifest.v1+json" ||
           media_type == "application/vnd.docker.distribution.manifest.v2+json";
}

bool is_index_media_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.index.v1+json" ||
           media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

bool is_config_media_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.config.v1+json" ||
           media_type == "application/vnd.docker.container.image.v1+json";
}

std::optional<LayerMediaType> layer_media_type(std::string_view media_type) {
    for (std::string_view base : {"application/vnd.oci.image.layer.v1.tar",
                                  "application/vnd.oci.image.layer.nondistributable.v1.tar"}) {
        if (media_type == base) {
            return LayerMediaType{true, false, false};
        }
        if (media_type.starts_with(base) && media_type.substr(base.size()) == "+gzip") {
            return LayerMediaType{false, true, false};
        }
        if (media_type.starts_with(base) && media_type.substr(base.size()) == "+zstd") {
            return LayerMediaType{false, false, true};
        }
    }
    if (media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
        media_type == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") {
        return LayerMediaType{true, true, false};
    }
    return std::nullopt;
}

bool compression_matches(const LayerMediaType& type, Compression actual) {
    switch (actual) {
        case Compression::none:
            return type.allows_none;
        case Compression::gzip:
            return type.allows_gzip;
        case Compression::zstd:
            return type.allows_zstd;
        case Compression::other:
            return false;
    }
    return false;
}

bool is_valid_sha256_digest(std::string_view digest) {
    constexpr std::string_view kPrefix = "sha256:";
    if (!digest.starts_with(kPrefix) || digest.size() != kPrefix.size() + 64) {
        return false;
    }
    return std::all_of(digest.begin() + kPrefix.size(), digest.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace driftguard::image
