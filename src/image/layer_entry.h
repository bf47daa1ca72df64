#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace driftguard::image {

enum class EntryType : std::uint8_t {
    regular,
    directory,
    symlink,
    hardlink,
    whiteout,     // removes `path` from lower layers
    opaque,       // `path` is an opaque directory
    device,       // character or block device
    fifo_socket,  // named pipe or socket
};

// One member of a layer, as a tar or a layer directory presents it. `path` is the
// member's name as stored (not yet normalized); whiteout markers are already decoded
// into EntryType::whiteout / opaque by the reader that understands their encoding.
struct LayerEntry {
    std::string_view path;
    EntryType type = EntryType::regular;
    std::uint32_t mode = 0;  // permission bits (07777)
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint64_t size = 0;        // regular files
    std::string_view link_target;  // symlink target, or hard link target path
};

// Pull-style access to a regular file's data. next() returns the next chunk, or an
// empty span at the end; it throws ImageError if the data cannot be read.
class ContentReader {
  public:
    virtual ~ContentReader() = default;
    virtual std::span<const std::byte> next() = 0;
};

}  // namespace driftguard::image
