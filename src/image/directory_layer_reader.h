#pragma once

#include <string>

#include "image/layer_applier.h"

namespace driftguard::image {

enum class WhiteoutEncoding : std::uint8_t {
    none,     // a plain root filesystem: device nodes are skipped, nothing is a whiteout
    overlay,  // an overlayfs layer directory: char device 0:0 = whiteout, opaque xattr
};

// Walks a layer directory (containers-storage's overlay/<id>/diff, or a root filesystem)
// without following symlinks or crossing mount points, feeding every entry to `applier`.
// Hard links to an already-seen inode are passed as hard links, so each file is hashed once.
void read_directory_layer(const std::string& root, WhiteoutEncoding encoding, LayerApplier& applier,
                          const std::string& description);

}  // namespace driftguard::image
