#include "image/executable.h"

namespace driftguard::image {

std::string_view to_string(ExecutableKind kind) {
    switch (kind) {
        case ExecutableKind::elf_executable:
            return "elf-executable";
        case ExecutableKind::elf_shared:
            return "elf-shared";
        case ExecutableKind::elf_other:
            return "elf-other";
        case ExecutableKind::script:
            return "script";
        case ExecutableKind::other:
            return "other";
    }
    return "other";
}

std::string_view to_string(Linkage linkage) {
    switch (linkage) {
        case Linkage::not_applicable:
            return "";
        case Linkage::static_linked:
            return "static";
        case Linkage::dynamic:
            return "dynamic";
        case Linkage::unknown:
            return "unknown";
    }
    return "";
}

}  // namespace driftguard::image
