#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "image/archive_reader.h"
#include "image/byte_stream.h"

namespace driftguard::image {

// Decompresses a layer blob (gzip via zlib, zstd via libzstd, or passes it through
// when uncompressed, told apart by magic bytes) on a worker thread, so decompressing
// and verifying the blob overlap with parsing and hashing its content on the caller's
// thread. Memory is bounded: at most kQueueDepth buffers of kBufferSize are in flight,
// and zstd frames may not ask for a window larger than 2^kZstdWindowLogMax bytes.
class DecompressingStream final : public ByteStream {
  public:
    static constexpr std::size_t kBufferSize = 1 << 20;
    static constexpr std::size_t kQueueDepth = 4;
    static constexpr int kZstdWindowLogMax = 27;

    // `compressed` is read only by the worker thread until finish() returns.
    DecompressingStream(ByteStream& compressed, std::string description);
    ~DecompressingStream() override;
    DecompressingStream(const DecompressingStream&) = delete;
    DecompressingStream& operator=(const DecompressingStream&) = delete;

    std::span<const std::byte> read() override;

    // Reads to the end of the blob (past the tar's end-of-archive marker) and waits
    // for the worker; afterwards `compressed` may be used again.
    void finish();

    Compression compression() const { return compression_; }
    std::uint64_t compressed_bytes() const {
        return compressed_bytes_.load(std::memory_order_relaxed);
    }
    std::uint64_t uncompressed_bytes() const { return uncompressed_bytes_; }

  private:
    using Buffer = std::vector<std::byte>;

    void run_worker();
    void decompress_gzip();
    void decompress_zstd();
    void pass_through();
    // Worker side: the next compressed chunk (the sniffed first chunk comes first).
    std::span<const std::byte> next_input();
    Buffer take_free_buffer();
    // Hands a filled buffer to the reader (an empty one back to the free list).
    void publish(Buffer buffer);
    void stop_worker();

    ByteStream& compressed_;
    std::string description_;
    Compression compression_ = Compression::none;
    std::span<const std::byte> first_chunk_;
    std::atomic<std::uint64_t> compressed_bytes_{0};
    std::uint64_t uncompressed_bytes_ = 0;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Buffer> ready_;
    std::vector<Buffer> free_;
    Buffer current_;  // the buffer the caller is reading
    bool worker_done_ = false;
    bool stopping_ = false;
    std::exception_ptr worker_error_;
    std::thread worker_;
};

}  // namespace driftguard::image
