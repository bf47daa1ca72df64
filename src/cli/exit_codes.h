#pragma once

namespace driftguard::cli {

// Exit codes shared by every subcommand (docs/scan.md and docs/agent.md list them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitImageError =
    1;                                  // the image is unreadable, corrupt, hostile or unsupported
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitFailure = 3;  // anything else (I/O on output, internal error)
inline constexpr int kExitSensorWithoutAgent =
    4;  // status: no agent answers, but a pinned sensor still enforces

}  // namespace driftguard::cli
