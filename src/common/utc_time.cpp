#include "common/utc_time.h"

#include <time.h>

#include <cstdint>

#include <fmt/chrono.h>

namespace driftguard {

std::string utc_seconds(std::chrono::system_clock::time_point time) {
    return fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(time));
}

// fmt's %T prints whole seconds only: the fraction is formatted here.
std::string utc_microseconds(std::chrono::system_clock::time_point time) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - seconds);
    return fmt::format("{:%FT%T}.{:06}Z", seconds, micros.count());
}

std::chrono::system_clock::time_point from_kernel_monotonic(std::uint64_t ktime_ns) {
    timespec monotonic{};
    ::clock_gettime(CLOCK_MONOTONIC, &monotonic);
    const std::int64_t now_ns = monotonic.tv_sec * 1000000000LL + monotonic.tv_nsec;
    const auto age = std::chrono::nanoseconds(now_ns - static_cast<std::int64_t>(ktime_ns));
    return std::chrono::system_clock::now() -
           std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
}

}  // namespace driftguard
