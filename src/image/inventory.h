#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "image/executable.h"
#include "image/layer_applier.h"

namespace driftguard::image {

enum class ImageFormat : std::uint8_t {
    oci_layout,
    oci_archive,
    docker_archive,
    containers_storage,
    rootfs
};
std::string_view to_string(ImageFormat format);

struct LayerInfo {
    std::string digest;       // as the manifest names the blob ("sha256:…"); empty for a rootfs
    std::string diff_id;      // digest of the uncompressed tar, from the image config
    std::string media_type;   // as the manifest states it
    std::uint64_t size = 0;   // bytes of the blob as stored
    std::string compression;  // what the bytes turned out to be: none, gzip, zstd
};

struct ImageInfo {
    std::string reference;  // what the user asked for
    ImageFormat format = ImageFormat::rootfs;
    std::string name;             // e.g. "localhost/app:1", where the source records one
    std::string manifest_digest;  // "sha256:…" where there is a manifest
    std::string config_digest;    // "sha256:…"; equals the image ID
    std::string os;
    std::string architecture;
};

// Every executable of an image, as a container started from it sees its filesystem.
struct Inventory {
    ImageInfo image;
    std::vector<LayerInfo> layers;
    std::vector<Executable> executables;  // sorted by path
    LayerStats stats;
    std::uint64_t paths = 0;     // paths in the merged tree
    std::uint64_t symlinks = 0;  // symlinks in the merged tree
};

// The image's executable at `path` (absolute inside the image), or nullptr.
inline const Executable* find_executable(const Inventory& inventory, std::string_view path) {
    auto found = std::lower_bound(inventory.executables.begin(), inventory.executables.end(), path,
                                  [](const Executable& executable, std::string_view wanted) {
                                      return executable.path < wanted;
                                  });
    return found != inventory.executables.end() && found->path == path ? &*found : nullptr;
}

}  // namespace driftguard::image
