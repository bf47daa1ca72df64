#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "common/unique_fd.h"

namespace driftguard::image {

// A forward-only source of bytes. read() returns the next chunk, or an empty span at
// the end; it throws ImageError on failure.
class ByteStream {
  public:
    virtual ~ByteStream() = default;
    virtual std::span<const std::byte> read() = 0;
};

// Reads a regular file in large chunks.
class FileStream final : public ByteStream {
  public:
    // `description` names the file in error messages.
    FileStream(const std::string& path, std::string description);
    std::span<const std::byte> read() override;
    std::uint64_t file_size() const { return file_size_; }

  private:
    UniqueFd fd_;
    std::string description_;
    std::uint64_t file_size_ = 0;
    std::vector<std::byte> buffer_;
};

// Passes another stream through while hashing and counting it, so a blob is verified
// against its descriptor in the same single pass that reads it.
class VerifyingStream final : public ByteStream {
  public:
    // Empty `expected_digest` or no `expected_size` skip that check.
    VerifyingStream(ByteStream& inner, std::string description, std::string expected_digest,
                    std::optional<std::uint64_t> expected_size);
    std::span<const std::byte> read() override;

    // Reads what the consumer left unread, checks size and digest, and returns the
    // digest of the bytes as stored ("sha256:…").
    std::string drain_and_verify();

  private:
    ByteStream& inner_;
    std::string description_;
    std::string expected_digest_;
    std::optional<std::uint64_t> expected_size_;
    std::uint64_t bytes_read_ = 0;
    Sha256 hasher_;
};

}  // namespace driftguard::image
