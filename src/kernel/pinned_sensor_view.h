#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "kernel/sensor.h"

namespace driftguard::kernel {

// What a pinned sensor is doing while no agent runs, read from bpffs alone: which
// programs are attached, the default mode they judge unknown containers with, how many
// containers have a mode of their own, and the counters.
struct PinnedSensorView {
    std::string version_dir;                    // "abi-<N>", this build's ABI
    std::vector<std::string> programs;          // pinned links: programs still attached
    std::vector<std::string> other_abi;         // directories of other ABI versions
    std::optional<dg_mode> default_mode;        // from the programs' .data (nullopt: unreadable)
    std::optional<dg_mode> build_default_mode;  // from their .bss
    std::size_t containers_with_mode = 0;       // entries of dg_container_modes
    std::optional<SensorCounters> counters;
};

// Reads the sensor pinned under `pin_root` (this build's ABI version). Fails when nothing
// of this ABI is pinned there, naming the directory.
Result<PinnedSensorView> read_pinned_sensor(const std::string& pin_root);

}  // namespace driftguard::kernel
