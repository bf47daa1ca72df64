#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace driftguard::kernel {

// The processes, other than this one, that hold one of the maps pinned under `pin_root`
// (any ABI version) open: a running agent holds every map of the sensor it loaded or
// adopted, whatever its command line, state directory or lock. Found from the maps' ids
// and each process's /proc/<pid>/fdinfo ("map_id:"), so it needs no cooperation from the
// holder. Empty when nothing is pinned or no one else holds it.
std::vector<pid_t> pin_holders(const std::string& pin_root, const std::string& proc = "/proc");

}  // namespace driftguard::kernel
