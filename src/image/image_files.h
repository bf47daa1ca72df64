#pragma once

#include <functional>
#include <memory>
#include <string>

#include "image/byte_stream.h"
#include "image/scan_limits.h"

namespace driftguard::image {

// The files of an image layout (index.json, blobs/sha256/…, manifest.json, …), whether
// they sit in a directory or inside a tar archive. Names are relative paths inside the
// layout; a name that tries to leave it ("..", absolute) is refused.
class ImageFiles {
  public:
    virtual ~ImageFiles() = default;

    virtual bool exists(const std::string& name) = 0;
    // The whole file; ImageError if it is missing or larger than `limit`.
    virtual std::string read_small(const std::string& name, std::size_t limit) = 0;
    // Streams the file to `consume` without loading it.
    virtual void stream(const std::string& name,
                        const std::function<void(ByteStream&)>& consume) = 0;
    // "image.tar:blobs/sha256/ab…", for messages.
    virtual std::string location(const std::string& name) const = 0;
};

std::unique_ptr<ImageFiles> open_directory_files(const std::string& directory,
                                                 const ScanLimits& limits);
// Indexes the archive's members in one pass (seeking past their data where the archive
// is uncompressed); small members are kept in memory, large ones re-read on demand.
std::unique_ptr<ImageFiles> open_archive_files(const std::string& archive_path,
                                               const ScanLimits& limits);

}  // namespace driftguard::image
