#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace driftguard {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental SHA-256 over OpenSSL's EVP interface (uses SHA-NI where the CPU has it).
class Sha256 {
  public:
    Sha256();
    void update(std::span<const std::byte> data);
    void update(std::string_view data);
    // Returns the digest and resets the hasher for the next input.
    Sha256Digest finish();

  private:
    struct ContextDeleter {
        void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
    };
    std::unique_ptr<EVP_MD_CTX, ContextDeleter> context_;
};

std::string to_hex(const Sha256Digest& digest);
// "sha256:<hex>", the OCI digest form.
std::string to_oci_digest(const Sha256Digest& digest);
Sha256Digest sha256_of(std::string_view data);

}  // namespace driftguard
