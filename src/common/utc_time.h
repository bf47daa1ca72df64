#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace driftguard {

// RFC 3339 UTC timestamps, the one format every output of driftguard uses.
// "2026-11-27T19:32:44Z"
std::string utc_seconds(std::chrono::system_clock::time_point time);
// "2026-11-27T19:32:44.881207Z"
std::string utc_microseconds(std::chrono::system_clock::time_point time);

// A kernel bpf_ktime_get_ns() value (CLOCK_MONOTONIC) as wall-clock time.
std::chrono::system_clock::time_point from_kernel_monotonic(std::uint64_t ktime_ns);

}  // namespace driftguard
