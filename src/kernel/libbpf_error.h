#pragma once

#include <string_view>

#include "common/result.h"

namespace driftguard::kernel {

// Turns libbpf's negative-errno convention into an Error naming what failed:
// "load skeleton selftest: Operation not permitted (errno 1)".
Error libbpf_error(std::string_view operation, std::string_view object, int negative_errno);

// Status for a libbpf call that returns 0 or a negative errno.
Status check_libbpf(int result, std::string_view operation, std::string_view object);

}  // namespace driftguard::kernel
