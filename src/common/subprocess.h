#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace driftguard {

// Runs `argv` (argv[0] looked up in PATH) with stdin and stderr on /dev/null and returns
// its stdout, or nothing if it could not start, exited non-zero, wrote more than
// `max_output` bytes, or ran longer than `timeout` (then it is killed).
std::optional<std::string> run_for_output(const std::vector<std::string>& argv,
                                          std::chrono::milliseconds timeout,
                                          std::size_t max_output = 4 << 20);

}  // namespace driftguard
