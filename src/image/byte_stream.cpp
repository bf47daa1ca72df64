#include "image/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "image/image_error.h"

namespace driftguard::image {
namespace {
constexpr std::size_t kReadChunk = 1 << 20;
}

FileStream::FileStream(const std::string& path, std::string description)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), description_(std::move(description)) {
    if (!fd_) {
        throw ImageError(fmt::format("{}: cannot open: {}", description_, std::strerror(errno)));
    }
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
        throw ImageError(fmt::format("{}: not a regular file", description_));
    }
    file_size_ = static_cast<std::uint64_t>(info.st_size);
    buffer_.resize(kReadChunk);
}

std::span<const std::byte> FileStream::read() {
    for (;;) {
        ssize_t got = ::read(fd_.get(), buffer_.data(), buffer_.size());
        if (got >= 0) {
            return std::span(buffer_).first(static_cast<std::size_t>(got));
        }
        if (errno != EINTR) {
            throw ImageError(
                fmt::format("{}: read failed: {}", description_, std::strerror(errno)));
        }
    }
}

VerifyingStream::VerifyingStream(ByteStream& inner, std::string description,
                                 std::string expected_digest,
                                 std::optional<std::uint64_t> expected_size)
    : inner_(inner),
      description_(std::move(description)),
      expected_digest_(std::move(expected_digest)),
      expected_size_(expected_size) {}

std::span<const std::byte> VerifyingStream::read() {
    auto chunk = inner_.read();
    bytes_read_ += chunk.size();
    if (expected_size_ && bytes_read_ > *expected_size_) {
        throw ImageError(fmt::format("{}: blob is larger than the {} bytes its descriptor states",
                                     description_, *expected_size_));
    }
    hasher_.update(chunk);
    return chunk;
}

std::string VerifyingStream::drain_and_verify() {
    while (!read().empty()) {
    }
    if (expected_size_ && bytes_read_ != *expected_size_) {
        throw ImageError(fmt::format("{}: blob has {} bytes but its descriptor states {}",
                                     description_, bytes_read_, *expected_size_));
    }
    std::string actual = to_oci_digest(hasher_.finish());
    if (!expected_digest_.empty() && actual != expected_digest_) {
        throw ImageError(fmt::format("{}: digest mismatch: content is {}, expected {}",
                                     description_, actual, expected_digest_));
    }
    return actual;
}

}  // namespace driftguard::image
