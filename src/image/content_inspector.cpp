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
// Longest PT_INTERP path captured from beyond the prefix (PATH_MAX).
constexpr std::uint64_t kInterpreterLimit = 4096;

bool starts_with(std::span<const std::byte> data, std::string_view magic) {
    return data.size() >= magic.size() && std::memcmp(data.data(), magic.data(), magic.size()) == 0;
}

bool is_elf(std::span<const std::byte> data) {
    return starts_with(data, ELFMAG);
}
bool is_script(std::span<const std::byte> data) {
    return starts_with(data, "#!");
}

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

struct ElfLayout {
    bool valid = false;
    std::uint64_t type = 0;
    std::uint64_t machine = 0;
    bool headers_complete = true;          // all program headers lie inside the data
    std::optional<ByteRange> interpreter;  // PT_INTERP's bytes in the file
};

ElfLayout parse_elf_layout(std::span<const std::byte> data) {
    ElfLayout layout;
    if (data.size() < EI_NIDENT) {
        return layout;
    }
    const auto elf_class = static_cast<std::uint8_t>(data[EI_CLASS]);
    const bool big_endian = static_cast<std::uint8_t>(data[EI_DATA]) == ELFDATA2MSB;
    const bool wide = elf_class == ELFCLASS64;
    if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64) {
        return layout;
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
        return layout;
    }
    layout.valid = true;
    layout.type = *type;
    layout.machine = *machine;
    const std::size_t min_phentsize = wide ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (*phnum > 0 && *phentsize < min_phentsize) {
        layout.headers_complete = false;
        return layout;
    }
    for (std::uint64_t i = 0; i < *phnum; ++i) {
        const std::uint64_t entry = *phoff + i * *phentsize;
        auto p_type = read_uint(data, entry, 4, big_endian);
        if (!p_type) {
            layout.headers_complete = false;
            return layout;
        }
        if (*p_type != PT_INTERP) {
            continue;
        }
        auto offset = wide ? read_uint(data, entry + offsetof(Elf64_Phdr, p_offset), 8, big_endian)
                           : read_uint(data, entry + offsetof(Elf32_Phdr, p_offset), 4, big_endian);
        auto size = wide ? read_uint(data, entry + offsetof(Elf64_Phdr, p_filesz), 8, big_endian)
                         : read_uint(data, entry + offsetof(Elf32_Phdr, p_filesz), 4, big_endian);
        if (!offset || !size) {
            layout.headers_complete = false;
            return layout;
        }
        layout.interpreter = ByteRange{*offset, *size};
        return layout;
    }
    return layout;
}

std::string c_string(std::span<const std::byte> bytes) {
    const char* begin = reinterpret_cast<const char*>(bytes.data());
    return std::string(begin, strnlen(begin, bytes.size()));
}

void describe_elf(std::span<const std::byte> data, const std::string* captured_interpreter,
                  ContentFacts& facts) {
    facts.kind = ExecutableKind::elf_other;
    facts.linkage = Linkage::unknown;
    const ElfLayout layout = parse_elf_layout(data);
    if (!layout.valid) {
        return;
    }
    facts.machine = machine_name(layout.machine);
    if (layout.type != ET_EXEC && layout.type != ET_DYN) {
        facts.linkage = Linkage::not_applicable;
        return;
    }
    facts.kind =
        layout.type == ET_EXEC ? ExecutableKind::elf_executable : ExecutableKind::elf_shared;
    if (!layout.headers_complete) {
        return;  // linkage stays unknown
    }
    if (!layout.interpreter) {
        facts.linkage = layout.type == ET_EXEC ? Linkage::static_linked : Linkage::not_applicable;
        return;
    }
    const ByteRange range = *layout.interpreter;
    if (range.offset <= data.size() && data.size() - range.offset >= range.size) {
        facts.interpreter = c_string(data.subspan(range.offset, range.size));
    } else if (captured_interpreter != nullptr) {
        facts.interpreter = *captured_interpreter;
    } else {
        return;  // PT_INTERP beyond what was seen: linkage unknown
    }
    facts.linkage = Linkage::dynamic;
}

void describe_script(std::span<const std::byte> data, ContentFacts& facts) {
    facts.kind = ExecutableKind::script;
    std::size_t limit = std::min(data.size(), kShebangLimit);
    std::string line(reinterpret_cast<const char*>(data.data()) + 2, limit - 2);
    line = line.substr(0, line.find('\n'));
    auto first = line.find_first_not_of(" \t");
    auto last = line.find_last_not_of(" \t\r");
    facts.interpreter =
        first == std::string::npos ? std::string() : line.substr(first, last - first + 1);
}

}  // namespace

void describe_content(std::span<const std::byte> prefix, std::uint64_t file_size,
                      ContentFacts& facts, const std::string* captured_interpreter) {
    facts.size = file_size;
    if (is_elf(prefix)) {
        describe_elf(prefix, captured_interpreter, facts);
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
    decision_ =
        (is_elf(prefix_) || is_script(prefix_)) ? Decision::executable : Decision::not_executable;
}

bool ContentInspector::feed(std::span<const std::byte> data) {
    if (decision_ == Decision::not_executable) {
        return false;
    }
    const std::uint64_t before = size_;
    size_ += data.size();
    if (prefix_.size() < kPrefixLimit) {
        std::size_t take = std::min(kPrefixLimit - prefix_.size(), data.size());
        prefix_.insert(prefix_.end(), data.begin(),
                       data.begin() + static_cast<std::ptrdiff_t>(take));
    }
    decide(false);
    if (decision_ == Decision::executable) {
        hash_unhashed_prefix(before);
        hasher_.update(data);
        hashed_ = size_;
        capture_interpreter(before, data);
    }
    return decision_ != Decision::not_executable;
}

void ContentInspector::capture_interpreter(std::uint64_t offset, std::span<const std::byte> data) {
    // Once the prefix is full, an ELF whose PT_INTERP lies further in (glibc's libc.so.6
    // keeps it at ~1.6 MiB) gets that range copied as it streams past.
    if (!interpreter_range_checked_ && prefix_.size() >= kPrefixLimit && is_elf(prefix_)) {
        interpreter_range_checked_ = true;
        const ElfLayout layout = parse_elf_layout(prefix_);
        if (layout.interpreter && layout.interpreter->offset >= prefix_.size() &&
            layout.interpreter->size <= kInterpreterLimit) {
            interpreter_range_ = layout.interpreter;
        }
    }
    if (!interpreter_range_) {
        return;
    }
    const std::uint64_t begin = std::max(offset, interpreter_range_->offset);
    const std::uint64_t end =
        std::min(offset + data.size(), interpreter_range_->offset + interpreter_range_->size);
    if (begin < end) {
        auto slice = data.subspan(begin - offset, end - begin);
        captured_interpreter_.append(reinterpret_cast<const char*>(slice.data()), slice.size());
    }
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
    const bool captured =
        interpreter_range_ && captured_interpreter_.size() == interpreter_range_->size;
    if (captured) {
        captured_interpreter_ = c_string(std::as_bytes(std::span(captured_interpreter_)));
    }
    describe_content(prefix_, size_, facts, captured ? &captured_interpreter_ : nullptr);
    return facts;
}

}  // namespace driftguard::image
