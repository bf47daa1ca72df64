#include "kernel/libbpf_error.h"

#include <cstring>
#include <cstdlib>

#include <fmt/format.h>

namespace driftguard::kernel {

Error libbpf_error(std::string_view operation, std::string_view object, int negative_errno) {
    const int code = std::abs(negative_errno);
    return Error{fmt::format("{} {}: {} (errno {})", operation, object, std::strerror(code), code),
                 code};
}

Status check_libbpf(int result, std::string_view operation, std::string_view object) {
    if (result < 0) {
        return libbpf_error(operation, object, result);
    }
    return Ok{};
}

}  // namespace driftguard::kernel
