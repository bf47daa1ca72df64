#include "image/archive_reader.h"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "image/image_error.h"

namespace driftguard::image {
namespace {
constexpr std::size_t kZeroBlock = 64 * 1024;
const std::array<std::byte, kZeroBlock> kZeros{};
}  // namespace

std::string_view to_string(Compression compression) {
    switch (compression) {
        case Compression::none:
            return "none";
        case Compression::gzip:
            return "gzip";
        case Compression::zstd:
            return "zstd";
        case Compression::other:
            return "other";
    }
    return "other";
}

struct ArchiveReader::State {
    struct ArchiveDeleter {
        void operator()(archive* reader) const { archive_read_free(reader); }
    };
    std::unique_ptr<archive, ArchiveDeleter> reader{archive_read_new()};
    std::string description;
    ByteStream* source = nullptr;
    std::exception_ptr callback_error;
    archive_entry* entry = nullptr;
    std::int64_t position = 0;  // next offset expected within the current member
    std::int64_t entry_size = 0;
    bool data_done = false;
    struct PendingBlock {
        const std::byte* data;
        std::size_t size;
        std::int64_t offset;
    };
    std::optional<PendingBlock> pending;  // a data block waiting behind a hole

    static la_ssize_t read_callback(archive* reader, void* client, const void** buffer) {
        auto* self = static_cast<State*>(client);
        try {
            auto chunk = self->source->read();
            *buffer = chunk.data();
            return static_cast<la_ssize_t>(chunk.size());
        } catch (...) {
            // libarchive is C: the exception must not unwind through it.
            self->callback_error = std::current_exception();
            archive_set_error(reader, EIO, "read failed");
            return -1;
        }
    }
};

ArchiveReader::ArchiveReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
ArchiveReader::ArchiveReader(ArchiveReader&&) noexcept = default;
ArchiveReader& ArchiveReader::operator=(ArchiveReader&&) noexcept = default;
ArchiveReader::~ArchiveReader() = default;

void ArchiveReader::fail(const char* operation) {
    if (state_->callback_error) {
        std::rethrow_exception(std::exchange(state_->callback_error, nullptr));
    }
    const char* reason = archive_error_string(state_->reader.get());
    throw ImageError(fmt::format("{}: {}: {}", state_->description, operation,
                                 reason ? reason : "unknown libarchive error"));
}

ArchiveReader ArchiveReader::open_layer(ByteStream& source, std::string description) {
    auto state = std::make_unique<State>();
    state->description = std::move(description);
    state->source = &source;
    archive* reader = state->reader.get();
    if (reader == nullptr) {
        throw ImageError("out of memory creating an archive reader");
    }
    // Decompression happened before (DecompressingStream): only tar is parsed here.
    archive_read_support_format_tar(reader);
    archive_read_support_format_empty(reader);
    ArchiveReader result(std::move(state));
    if (archive_read_open(reader, result.state_.get(), nullptr, &State::read_callback, nullptr) !=
        ARCHIVE_OK) {
        result.fail("not a tar layer");
    }
    return result;
}

ArchiveReader ArchiveReader::open_file(const std::string& path, std::string description) {
    auto state = std::make_unique<State>();
    state->description = std::move(description);
    archive* reader = state->reader.get();
    if (reader == nullptr) {
        throw ImageError("out of memory creating an archive reader");
    }
    archive_read_support_filter_all(reader);
    archive_read_support_format_tar(reader);
    ArchiveReader result(std::move(state));
    if (archive_read_open_filename(reader, path.c_str(), 1 << 20) != ARCHIVE_OK) {
        result.fail("cannot read as a tar archive");
    }
    return result;
}

archive_entry* ArchiveReader::next_entry() {
    int status = archive_read_next_header(state_->reader.get(), &state_->entry);
    if (status == ARCHIVE_EOF) {
        return nullptr;
    }
    // ARCHIVE_RETRY means a damaged header that libarchive would skip: refuse it.
    if (status == ARCHIVE_RETRY || status < ARCHIVE_WARN) {
        fail("bad member header");
    }
    state_->position = 0;
    // Only a regular file's size promises data; holes of sparse files are filled up to it.
    const bool regular = archive_entry_filetype(state_->entry) == AE_IFREG &&
                         archive_entry_hardlink(state_->entry) == nullptr;
    state_->entry_size = regular && archive_entry_size_is_set(state_->entry)
                             ? std::max<la_int64_t>(archive_entry_size(state_->entry), 0)
                             : 0;
    state_->data_done = false;
    state_->pending.reset();
    return state_->entry;
}

std::span<const std::byte> ArchiveReader::read_block() {
    State& state = *state_;
    while (!state.data_done && !state.pending) {
        const void* buffer = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        int status = archive_read_data_block(state.reader.get(), &buffer, &size, &offset);
        if (status == ARCHIVE_EOF) {
            state.data_done = true;
            break;
        }
        if (status == ARCHIVE_RETRY || status < ARCHIVE_WARN) {
            fail("cannot read member data");
        }
        if (offset < state.position) {
            throw ImageError(fmt::format("{}: member data goes backwards", state.description));
        }
        if (size > 0 || offset > state.position) {
            state.pending =
                State::PendingBlock{static_cast<const std::byte*>(buffer), size, offset};
        }
    }
    // Holes of a sparse file (between blocks, or at its end) read as zeros.
    const std::int64_t hole_end = state.pending ? state.pending->offset : state.entry_size;
    if (state.position < hole_end) {
        auto gap =
            static_cast<std::size_t>(std::min<std::int64_t>(hole_end - state.position, kZeroBlock));
        state.position += static_cast<std::int64_t>(gap);
        return std::span(kZeros).first(gap);
    }
    if (!state.pending) {
        return {};
    }
    std::span<const std::byte> block(state.pending->data, state.pending->size);
    state.position += static_cast<std::int64_t>(block.size());
    state.pending.reset();
    return block;
}

}  // namespace driftguard::image
