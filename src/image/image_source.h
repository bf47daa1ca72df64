#pragma once

#include <memory>
#include <string>
#include <vector>

#include "image/image_files.h"
#include "image/inventory.h"
#include "image/layer_applier.h"
#include "image/scan_limits.h"

namespace driftguard::image {

// One image, resolved to its ordered layers, from whichever place it is stored in.
class ImageSource {
  public:
    virtual ~ImageSource() = default;
    virtual const ImageInfo& info() const = 0;
    virtual const std::vector<LayerInfo>& layers() const = 0;
    // Streams layer `index` (bottom first) into `applier`, verifying it on the way.
    virtual void read_layer(std::size_t index, LayerApplier& applier) = 0;
};

struct Platform {
    std::string os = "linux";
    std::string architecture;  // GOARCH spelling: amd64, arm64, …
    std::string variant;
};
Platform host_platform();
// Parses "os/arch[/variant]".
Platform parse_platform(const std::string& text);

// OCI image layout, in a directory (oci) or a tar (oci-archive). `ref_name` selects a
// manifest by its org.opencontainers.image.ref.name annotation; empty = the only one.
std::unique_ptr<ImageSource> open_oci_image(std::unique_ptr<ImageFiles> files, ImageInfo info,
                                            const std::string& ref_name, const Platform& platform,
                                            const ScanLimits& limits);
// docker save / podman save --format docker-archive. `ref_name` selects by RepoTags.
std::unique_ptr<ImageSource> open_docker_archive(std::unique_ptr<ImageFiles> files, ImageInfo info,
                                                 const std::string& ref_name,
                                                 const ScanLimits& limits);
// An image in the local containers-storage (podman, buildah, CRI-O).
std::unique_ptr<ImageSource> open_storage_image(const std::string& storage_root, ImageInfo info,
                                                const std::string& name_or_id,
                                                const ScanLimits& limits);
// Overlay lower directories of a running container, bottom first.
std::unique_ptr<ImageSource> open_layer_directories(const std::vector<std::string>& directories,
                                                    ImageInfo info);
// A plain root filesystem directory: one layer, no whiteouts.
std::unique_ptr<ImageSource> open_rootfs(const std::string& directory, ImageInfo info);

}  // namespace driftguard::image
