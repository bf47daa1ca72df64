#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/sha256.h"

namespace driftguard::image {

enum class ExecutableKind : std::uint8_t {
    elf_executable,  // ET_EXEC: a position-dependent executable
    elf_shared,      // ET_DYN: a shared object or a position-independent executable
    elf_other,       // relocatable objects, core files
    script,          // starts with "#!"
    other,           // any other regular file with an exec bit
};

enum class Linkage : std::uint8_t {
    not_applicable,  // scripts, other files, ET_DYN without PT_INTERP (a library or static-pie)
    static_linked,   // ET_EXEC without PT_INTERP
    dynamic,         // PT_INTERP names the ELF interpreter (ld.so)
    unknown,         // the program headers could not be read
};

std::string_view to_string(ExecutableKind kind);
std::string_view to_string(Linkage linkage);

// What the content of an executable file says about it. Shared by all hard links to it.
struct ContentFacts {
    Sha256Digest sha256{};
    std::uint64_t size = 0;
    ExecutableKind kind = ExecutableKind::other;
    Linkage linkage = Linkage::not_applicable;
    std::string interpreter;  // PT_INTERP path, or the "#!" line without "#!"
    std::string machine;      // ELF e_machine as a name ("x86_64"); empty for non-ELF
};

// One executable path in the image as a container from it sees the file.
struct Executable {
    std::string path;        // absolute inside the image: "/usr/bin/ls"
    std::uint32_t mode = 0;  // permission bits including setuid, setgid, sticky (07777)
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::size_t layer_index = 0;  // index into Inventory::layers of the layer that supplied it
    std::shared_ptr<const ContentFacts> content;
};

}  // namespace driftguard::image
