#include "agent/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

namespace driftguard::agent {
namespace {

int log_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
    char buffer[1024];
    const int length = std::vsnprintf(buffer, sizeof(buffer), format, args);
    if (length <= 0) {
        return 0;
    }
    std::string message(
        buffer, std::min<std::size_t>(static_cast<std::size_t>(length), sizeof(buffer) - 1));
    while (!message.empty() && message.back() == '\n') {
        message.pop_back();
    }
    switch (level) {
        case LIBBPF_WARN:
            spdlog::warn("libbpf: {}", message);
            break;
        case LIBBPF_INFO:
        case LIBBPF_DEBUG:
            spdlog::debug("libbpf: {}", message);
            break;
    }
    return length;
}

}  // namespace

void route_libbpf_log() {
    libbpf_set_print(log_libbpf);
}

}  // namespace driftguard::agent
