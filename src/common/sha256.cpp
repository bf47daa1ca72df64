#include "common/sha256.h"

#include <stdexcept>

namespace driftguard {

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("cannot initialise SHA-256 (OpenSSL)");
    }
}

void Sha256::update(std::span<const std::byte> data) {
    EVP_DigestUpdate(context_.get(), data.data(), data.size());
}

void Sha256::update(std::string_view data) {
    EVP_DigestUpdate(context_.get(), data.data(), data.size());
}

Sha256Digest Sha256::finish() {
    Sha256Digest digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), digest.data(), &length);
    EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr);
    return digest;
}

std::string to_hex(const Sha256Digest& digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(digest.size() * 2);
    for (std::uint8_t byte : digest) {
        hex.push_back(kDigits[byte >> 4]);
        hex.push_back(kDigits[byte & 0xf]);
    }
    return hex;
}

std::string to_oci_digest(const Sha256Digest& digest) {
    return "sha256:" + to_hex(digest);
}

Sha256Digest sha256_of(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.finish();
}

}  // namespace driftguard
