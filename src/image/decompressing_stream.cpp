#include "image/decompressing_stream.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include <fmt/format.h>

#include "image/image_error.h"

namespace driftguard::image {
namespace {

bool has_magic(std::span<const std::byte> data, std::initializer_list<unsigned char> magic) {
    if (data.size() < magic.size()) {
        return false;
    }
    std::size_t i = 0;
    for (unsigned char byte : magic) {
        if (data[i++] != std::byte{byte}) {
            return false;
        }
    }
    return true;
}

// Signals the worker to give up because the reader went away.
struct Stopped {};

}  // namespace

DecompressingStream::DecompressingStream(ByteStream& compressed, std::string description)
    : compressed_(compressed), description_(std::move(description)) {
    first_chunk_ = compressed_.read();
    compressed_bytes_ = first_chunk_.size();
    if (has_magic(first_chunk_, {0x1f, 0x8b})) {
        compression_ = Compression::gzip;
    } else if (has_magic(first_chunk_, {0x28, 0xb5, 0x2f, 0xfd})) {
        compression_ = Compression::zstd;
    }
    for (std::size_t i = 0; i < kQueueDepth; ++i) {
        free_.emplace_back(kBufferSize);
    }
    worker_ = std::thread([this] { run_worker(); });
}

DecompressingStream::~DecompressingStream() {
    stop_worker();
}

void DecompressingStream::stop_worker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) {
        worker_.join();
    }
}

std::span<const std::byte> DecompressingStream::next_input() {
    if (!first_chunk_.empty()) {
        return std::exchange(first_chunk_, {});
    }
    auto chunk = compressed_.read();
    compressed_bytes_.fetch_add(chunk.size(), std::memory_order_relaxed);
    return chunk;
}

DecompressingStream::Buffer DecompressingStream::take_free_buffer() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stopping_ || !free_.empty(); });
    if (stopping_) {
        throw Stopped{};
    }
    Buffer buffer = std::move(free_.back());
    free_.pop_back();
    buffer.resize(kBufferSize);
    return buffer;
}

void DecompressingStream::publish(Buffer buffer) {
    {
        std::lock_guard lock(mutex_);
        // An empty buffer carries nothing: it goes back to the free list.
        if (buffer.empty()) {
            free_.push_back(std::move(buffer));
        } else {
            ready_.push_back(std::move(buffer));
        }
    }
    changed_.notify_all();
}

void DecompressingStream::run_worker() {
    try {
        switch (compression_) {
            case Compression::gzip:
                decompress_gzip();
                break;
            case Compression::zstd:
                decompress_zstd();
                break;
            default:
                pass_through();
                break;
        }
    } catch (const Stopped&) {
    } catch (...) {
        std::lock_guard lock(mutex_);
        worker_error_ = std::current_exception();
    }
    {
        std::lock_guard lock(mutex_);
        worker_done_ = true;
    }
    changed_.notify_all();
}

void DecompressingStream::pass_through() {
    for (auto chunk = next_input(); !chunk.empty(); chunk = next_input()) {
        while (!chunk.empty()) {
            Buffer buffer = take_free_buffer();
            const std::size_t take = std::min(chunk.size(), buffer.size());
            std::memcpy(buffer.data(), chunk.data(), take);
            buffer.resize(take);
            publish(std::move(buffer));
            chunk = chunk.subspan(take);
        }
    }
}

void DecompressingStream::decompress_gzip() {
    z_stream stream{};
    // 16 + MAX_WBITS: expect a gzip header and trailer (CRC-32 and length are checked).
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
        throw ImageError(fmt::format("{}: cannot start gzip decompression", description_));
    }
    struct Cleanup {
        z_stream* stream;
        ~Cleanup() { inflateEnd(stream); }
    } cleanup{&stream};

    bool member_ended = false;
    for (auto chunk = next_input(); !chunk.empty(); chunk = next_input()) {
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(chunk.data()));
        stream.avail_in = static_cast<uInt>(chunk.size());
        while (stream.avail_in > 0) {
            if (member_ended) {
                // A gzip file may hold several members back to back (pigz, appends).
                if (static_cast<unsigned char>(*stream.next_in) != 0x1f) {
                    throw ImageError(
                        fmt::format("{}: data after the end of the gzip stream", description_));
                }
                inflateReset(&stream);
            }
            Buffer buffer = take_free_buffer();
            stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
            stream.avail_out = static_cast<uInt>(buffer.size());
            const int status = inflate(&stream, Z_NO_FLUSH);
            if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
                throw ImageError(fmt::format("{}: corrupt gzip data: {}", description_,
                                             stream.msg ? stream.msg : "inflate failed"));
            }
            buffer.resize(buffer.size() - stream.avail_out);
            member_ended = status == Z_STREAM_END;
            publish(std::move(buffer));
            if (status == Z_BUF_ERROR && stream.avail_in == 0) {
                break;
            }
        }
    }
    if (!member_ended) {
        throw ImageError(fmt::format("{}: truncated gzip data", description_));
    }
}

void DecompressingStream::decompress_zstd() {
    struct ContextDeleter {
        void operator()(ZSTD_DStream* context) const { ZSTD_freeDStream(context); }
    };
    std::unique_ptr<ZSTD_DStream, ContextDeleter> context(ZSTD_createDStream());
    if (!context) {
        throw ImageError(fmt::format("{}: cannot start zstd decompression", description_));
    }
    ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, kZstdWindowLogMax);
    std::size_t last_status = 0;
    for (auto chunk = next_input(); !chunk.empty(); chunk = next_input()) {
        ZSTD_inBuffer input{chunk.data(), chunk.size(), 0};
        // Keep calling while input remains or the decoder filled the whole buffer (it
        // may still hold decoded data once the input is consumed).
        bool output_full = true;
        while (input.pos < input.size || output_full) {
            Buffer buffer = take_free_buffer();
            ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
            last_status = ZSTD_decompressStream(context.get(), &output, &input);
            if (ZSTD_isError(last_status)) {
                throw ImageError(fmt::format("{}: corrupt zstd data: {}", description_,
                                             ZSTD_getErrorName(last_status)));
            }
            output_full = output.pos == output.size;
            buffer.resize(output.pos);
            publish(std::move(buffer));
        }
    }
    // 0 means the last frame was completely decoded and flushed.
    if (last_status != 0) {
        throw ImageError(fmt::format("{}: truncated zstd data", description_));
    }
}

std::span<const std::byte> DecompressingStream::read() {
    std::unique_lock lock(mutex_);
    if (!current_.empty() || current_.capacity() > 0) {
        free_.push_back(std::move(current_));
        current_ = Buffer();
        changed_.notify_all();
    }
    changed_.wait(lock, [this] { return !ready_.empty() || worker_done_; });
    if (!ready_.empty()) {
        current_ = std::move(ready_.front());
        ready_.pop_front();
        uncompressed_bytes_ += current_.size();
        return current_;
    }
    if (worker_error_) {
        std::rethrow_exception(worker_error_);
    }
    return {};
}

void DecompressingStream::finish() {
    while (!read().empty()) {
    }
    if (worker_.joinable()) {
        worker_.join();
    }
}

}  // namespace driftguard::image
