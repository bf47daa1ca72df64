#pragma once

#include <string>

#include "image/image_source.h"
#include "image/inventory.h"
#include "image/scan_limits.h"

namespace driftguard::image {

struct ScanOptions {
    ScanLimits limits;
    std::string storage_root = "/var/lib/containers/storage";
    std::string platform;  // "os/arch[/variant]"; empty = the host's
};

// Opens IMAGE as the user wrote it:
//   oci:PATH[:REF]  oci-archive:PATH[:REF]  docker-archive:PATH[:NAME|INDEX]
//   containers-storage:NAME[:TAG]|ID  rootfs:PATH
// or, without a transport, a path (OCI layout directory, root filesystem directory,
// oci-archive or docker-archive tar, told apart by their content) or an image ID.
std::unique_ptr<ImageSource> open_image(const std::string& reference, const ScanOptions& options);

// Reads every layer of `source` in order and lists the executables of the result.
Inventory scan_image(ImageSource& source, const ScanLimits& limits);

}  // namespace driftguard::image
