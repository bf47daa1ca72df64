#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
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
    std::vector<Executable> executables;  // sorted by path: find_executable() is the path index
    // Positions in `executables` by content digest (index_by_digest(); scan_image() fills it).
    std::map<Sha256Digest, std::vector<std::size_t>> by_digest;
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

// Fills `inventory.by_digest` from its executables.
inline void index_by_digest(Inventory& inventory) {
    inventory.by_digest.clear();
    for (std::size_t i = 0; i < inventory.executables.size(); ++i) {
        inventory.by_digest[inventory.executables[i].content->sha256].push_back(i);
    }
}

// The image's executables whose content has this SHA-256 (empty when none has).
inline std::vector<const Executable*> find_by_digest(const Inventory& inventory,
                                                     const Sha256Digest& sha256) {
    std::vector<const Executable*> found;
    if (auto entry = inventory.by_digest.find(sha256); entry != inventory.by_digest.end()) {
        for (std::size_t i : entry->second) {
            found.push_back(&inventory.executables[i]);
        }
    }
    return found;
}

}  // namespace driftguard::image
