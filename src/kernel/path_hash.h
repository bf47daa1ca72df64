#pragma once

#include <cstdint>
#include <string_view>

namespace driftguard::kernel {

// FNV-1a 64 of a path's bytes, never 0: what the sensor computes for paths and names it
// compares with the agent's (bpf/hash.bpf.h).
constexpr std::uint64_t path_hash(std::string_view path) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : path) {
        hash = (hash ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ULL;
    }
    return hash == 0 ? 1 : hash;
}

}  // namespace driftguard::kernel
