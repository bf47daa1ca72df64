#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>

#include "image/byte_stream.h"

namespace driftguard::image {

enum class Compression : std::uint8_t { none, gzip, zstd, other };
std::string_view to_string(Compression compression);

// Owns a libarchive reader over a tar stream (optionally compressed). Every libarchive
// failure becomes an ImageError naming `description`; an exception thrown by the
// underlying ByteStream inside libarchive's callback is carried across the C frames
// and re-thrown here unchanged.
class ArchiveReader {
  public:
    // A layer's (already decompressed) tar stream, read from `source`.
    static ArchiveReader open_layer(ByteStream& source, std::string description);
    // An image archive file (oci-archive, docker-archive); seeks past member data.
    static ArchiveReader open_file(const std::string& path, std::string description);

    ArchiveReader(ArchiveReader&&) noexcept;
    ArchiveReader& operator=(ArchiveReader&&) noexcept;
    ~ArchiveReader();

    // The next member's header, or nullptr at the end of the archive.
    archive_entry* next_entry();
    // The next block of the current member's data (holes of sparse files filled with
    // zeros); empty at the member's end.
    std::span<const std::byte> read_block();

  private:
    struct State;
    explicit ArchiveReader(std::unique_ptr<State> state);
    [[noreturn]] void fail(const char* operation);

    std::unique_ptr<State> state_;
};

}  // namespace driftguard::image
