#include "image/content_inspector.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace driftguard::image {
namespace {

constexpr std::size_t kMagicBytes = 4;
// The kernel reads at most this much of a "#!" line (BINPRM_BUF_SIZE).
constexpr std::size_t kShebangLimit = 256;

bool starts_with(std::span<const std::byte> data, std::string_view magic) {
    return data.size() >= magic.size() && std::memcmp(data.data(), magic.data(), magic.size()) == 0;
}

bool is_elf(std::span<const std::byte> data) { return starts_with(data, ELFMAG); }
bool is_script(std::span<const std::byte> data) { return starts_with(data, "#!"); }

// Reads an unsigned little- or big-endian integer of `width` bytes at `offset`, or
// nullopt if it lies beyond the data.
std::optional<std::uint64_t> read_uint(std::span<const std::byte> data, std::uint64_t offset,
                                       std::size_t width, bool big_endian) {
    if (offset > data.size() || data.size() - offset < width) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        std::size_t index = big_endian ? i : width - 1 - i;
        value = (value << 8) | static_cast<std::uint8_t>(data[offset + index]);
    }
    return value;
}

std::string machine_name(std::uint64_t machine) {
    switch (machine) {
        case EM_X86_64:
            return "x86_64";
        case EM_386:
            return "i386";
        case EM_AARCH64:
            return "aarch64";
        case EM_ARM:
            return "arm";
        case EM_RISCV:
            return "riscv";
        case EM_PPC64:
            return "ppc64";
        case EM_S390:
            return "s390";
        default:
            return "machine-" + std::to_string(machine);
    }
}

void describe_elf(std::span<const std::byte> data, ContentFacts& facts) {
    facts.kind = ExecutableKind::elf_other;
    facts.linkage = Linkage::unknown;
    if (data.size() < EI_NIDENT) {
        return;
    }
    const auto elf_class = static_cast<std::uint8_t>(data[EI_CLASS]);
    const bool big_endian = static_cast<std::uint8_t>(data[EI_DATA]) == ELFDATA2MSB;
    const bool wide = elf_class == ELFCLASS64;
    if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64) {
        return;
    }
    // Field offsets differ between Elf32_Ehdr and Elf64_Ehdr.
    auto type = read_uint(data, offsetof(Elf64_Ehdr, e_type), 2, big_endian);
    auto machine = read_uint(data, offsetof(Elf64_Ehdr, e_machine), 2, big_endian);
    auto phoff = wide ? read_uint(data, offsetof(Elf64_Ehdr, e_phoff), 8, big_endian)
                      : read_uint(data, offsetof(Elf32_Ehdr, e_phoff), 4, big_endian);
    auto phentsize = wide ? read_uint(data, offsetof(Elf64_Ehdr, e_phentsize), 2, big_endian)
                          : read_uint(data, offsetof(Elf32_Ehdr, e_phentsize), 2, big_endian);
    auto phnum = wide ? read_uint(data, offsetof(Elf64_Ehdr, e_phnum), 2, big_endian)
                      : read_uint(data, offsetof(Elf32_Ehdr, e_phnum), 2, big_endian);
    if (!type || !machine || !phoff || !phentsize || !phnum) {
        return;
    }
    facts.machine = machine_name(*machine);
    if (*type != ET_EXEC && *type != ET_DYN) {
        facts.linkage = Linkage::not_applicable;
        return;
    }

    std::optional<std::string> interpreter;
    bool headers_complete = true;
    const std::size_t min_phentsize = wide ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (*phentsize < min_phentsize && *phnum > 0) {
        headers_complete = false;
    } else {
        for (std::uint64_t i = 0; i < *phnum; ++i) {
            std::uint64_t entry = *phoff + i * *phentsize;
            auto p_type = read_uint(data, entry, 4, big_endian);
            if (!p_type) {
                headers_complete = false;
                break;
            }
            if (*p_type != PT_INTERP) {
                continue;
            }
            auto offset = wide ? read_uint(data, entry + offsetof(Elf64_Phdr, p_offset), 8, big_endian)
                               : read_uint(data, entry + offsetof(Elf32_Phdr, p_offset), 4, big_endian);
            auto size = wide ? read_uint(data, entry + offsetof(Elf64_Phdr, p_filesz), 8, big_endian)
                             : read_uint(data, entry + offsetof(Elf32_Phdr, p_filesz), 4, big_endian);
            if (!offset || !size || *offset > data.size() || data.size() - *offset < *size) {
                headers_complete = false;
                interpreter = std::string();
                break;
            }
            const char* begin = reinterpret_cast<const char*>(data.data() + *offset);
            interpreter = std::string(begin, strnlen(begin, *size));
            break;
        }
    }

    if (*type == ET_EXEC) {
        facts.kind = ExecutableKind::elf_executable;
    } else {
        facts.kind = interpreter ? ExecutableKind::elf_pie : ExecutableKind::elf_shared_object;
    }
    if (interpreter) {
        facts.interpreter = *interpreter;
        facts.linkage = headers_complete ? Linkage::dynamic : Linkage::unknown;
    } else if (!headers_complete) {
        facts.linkage = Linkage::unknown;
    } else {
        facts.linkage = facts.kind == ExecutableKind::elf_shared_object ? Linkage::not_applicable
                                                                          : Linkage::static_linked;
    }
}

void describe_script(std::span<const std::byte> data, ContentFacts& facts) {
    facts.kind = ExecutableKind::script;
    std::size_t limit = std::min(data.size(), kShebangLimit);
    std::string line(reinterpret_cast<const char*>(data.data()) + 2, limit - 2);
    line = line.substr(0, line.find('\n'));
    auto first = line.find_first_not_of(" \t");
    auto last = line.find_last_not_of(" \t\r");
    facts.interpreter = first == std::string::npos ? std::string() : line.substr(first, last - first + 1);
}

}  // namespace

void describe_content(std::span<const std::byte> prefix, std::uint64_t file_size,
                      ContentFacts& facts) {
    facts.size = file_size;
    if (is_elf(prefix)) {
        describe_elf(prefix, facts);
    } else if (is_script(prefix)) {
        describe_script(prefix, facts);
    } else {
        facts.kind = ExecutableKind::other;
    }
}

ContentInspector::ContentInspector(bool has_exec_bit) : has_exec_bit_(has_exec_bit) {
    if (has_exec_bit_) {
        decision_ = Decision::executable;
    }
}

void ContentInspector::decide(bool at_end) {
    if (decision_ != Decision::undecided) {
        return;
    }
    if (prefix_.size() < kMagicBytes && !at_end) {
        return;
    }
    decision_ = (is_elf(prefix_) || is_script(prefix_)) ? Decision::executable
                                                        : Decision::not_executable;
}

bool ContentInspector::feed(std::span<const std::byte> data) {
    if (decision_ == Decision::not_executable) {
        return false;
    }
    const std::uint64_t before = size_;
    size_ += data.size();
    if (prefix_.size() < kPrefixLimit) {
        std::size_t take = std::min(kPrefixLimit - prefix_.size(), data.size());
        prefix_.insert(prefix_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    }
    decide(false);
    if (decision_ == Decision::executable) {
        hash_unhashed_prefix(before);
        hasher_.update(data);
        hashed_ = size_;
    }
    return decision_ != Decision::not_executable;
}

void ContentInspector::hash_unhashed_prefix(std::uint64_t up_to) {
    // Bytes seen while undecided (fewer than kMagicBytes) are all still in the prefix.
    if (hashed_ < up_to) {
        hasher_.update(std::span(prefix_).subspan(hashed_, up_to - hashed_));
        hashed_ = up_to;
    }
}

std::optional<ContentFacts> ContentInspector::finish() {
    decide(true);
    if (decision_ != Decision::executable) {
        return std::nullopt;
    }
    hash_unhashed_prefix(size_);
    ContentFacts facts;
    facts.sha256 = hasher_.finish();
    describe_content(prefix_, size_, facts);
    return facts;
}

}  // namespace driftguard::image
