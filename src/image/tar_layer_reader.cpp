#include "image/tar_layer_reader.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "image/decompressing_stream.h"
#include "image/image_error.h"
#include "image/member_path.h"

namespace driftguard::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

void check_expansion(std::uint64_t uncompressed, std::uint64_t compressed,
                     const ScanLimits& limits);

// Data of the current tar member, as the applier pulls it. Every block re-checks the
// layer's expansion so a bomb stops as soon as it shows, even inside one huge member.
class TarMemberContent final : public ContentReader {
  public:
    TarMemberContent(ArchiveReader& reader, const DecompressingStream& stream,
                     const ScanLimits& limits)
        : reader_(reader), stream_(stream), limits_(limits) {}

    std::span<const std::byte> next() override {
        auto block = reader_.read_block();
        check_expansion(stream_.uncompressed_bytes(), stream_.compressed_bytes(), limits_);
        return block;
    }
    // Reads past whatever the applier left unread.
    void drain() {
        while (!next().empty()) {
        }
    }

  private:
    ArchiveReader& reader_;
    const DecompressingStream& stream_;
    const ScanLimits& limits_;
};

EntryType entry_type_of(archive_entry* entry) {
    if (archive_entry_hardlink(entry) != nullptr) {
        return EntryType::hardlink;
    }
    switch (archive_entry_filetype(entry)) {
        case AE_IFREG:
            return EntryType::regular;
        case AE_IFDIR:
            return EntryType::directory;
        case AE_IFLNK:
            return EntryType::symlink;
        case AE_IFCHR:
        case AE_IFBLK:
            return EntryType::device;
        default:
            return EntryType::fifo_socket;
    }
}

// Rewrites OCI whiteout file names into whiteout / opaque entries.
// Returns false for the aufs bookkeeping names (".wh..wh.*") that carry no meaning.
bool decode_whiteout(LayerEntry& entry, std::string& decoded_path) {
    std::string_view name = entry.path;
    while (!name.empty() && name.back() == '/') {
        name.remove_suffix(1);
    }
    std::string_view base = base_name(name);
    if (!base.starts_with(kWhiteoutPrefix)) {
        return true;
    }
    std::string_view directory = parent_path(name);
    if (base == kOpaqueMarker) {
        entry.type = EntryType::opaque;
        decoded_path = directory;
    } else if (base.starts_with(".wh..wh.")) {
        return false;
    } else {
        std::string_view hidden = base.substr(kWhiteoutPrefix.size());
        if (hidden.empty() || hidden == "." || hidden == "..") {
            throw ImageError(fmt::format("malformed whiteout '{}'", base));
        }
        entry.type = EntryType::whiteout;
        decoded_path = join_path(directory, hidden);
    }
    entry.path = decoded_path;
    return true;
}

void check_expansion(std::uint64_t uncompressed, std::uint64_t compressed,
                     const ScanLimits& limits) {
    if (uncompressed > limits.max_layer_bytes) {
        throw ImageError(
            fmt::format("layer expands beyond the limit of {} bytes", limits.max_layer_bytes));
    }
    if (uncompressed > limits.ratio_grace_bytes && compressed > 0 &&
        static_cast<double>(uncompressed) >
            limits.max_expansion_ratio * static_cast<double>(compressed)) {
        throw ImageError(
            fmt::format("decompression bomb: {} bytes from {} compressed (over {:.0f}:1)",
                        uncompressed, compressed, limits.max_expansion_ratio));
    }
}

}  // namespace

TarLayerResult read_tar_layer(ByteStream& blob, LayerApplier& applier, const ScanLimits& limits,
                              const std::string& description) {
    DecompressingStream tar_stream(blob, description);
    ArchiveReader reader = ArchiveReader::open_layer(tar_stream, description);
    TarMemberContent content(reader, tar_stream, limits);
    std::string decoded_path;
    while (archive_entry* header = reader.next_entry()) {
        const char* raw_name = archive_entry_pathname(header);
        std::string_view name = raw_name ? raw_name : "";
        try {
            LayerEntry entry;
            entry.path = name;
            entry.type = entry_type_of(header);
            entry.mode = static_cast<std::uint32_t>(archive_entry_perm(header)) & 07777;
            entry.uid = static_cast<std::uint32_t>(archive_entry_uid(header));
            entry.gid = static_cast<std::uint32_t>(archive_entry_gid(header));
            const la_int64_t size = archive_entry_size(header);
            if (size < 0) {
                throw ImageError("negative size in the member header");
            }
            entry.size = static_cast<std::uint64_t>(size);
            if (entry.type == EntryType::hardlink) {
                entry.link_target = archive_entry_hardlink(header);
            } else if (entry.type == EntryType::symlink) {
                const char* target = archive_entry_symlink(header);
                entry.link_target = target ? target : "";
            }
            if (decode_whiteout(entry, decoded_path)) {
                applier.apply(entry, content);
            }
            content.drain();
        } catch (const ImageError& error) {
            rethrow_with_context(error, fmt::format("member '{}'", name));
        }
    }
    tar_stream.finish();
    return TarLayerResult{tar_stream.compression(), tar_stream.uncompressed_bytes()};
}

}  // namespace driftguard::image
