#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/metadata_resolver.h"

namespace driftguard::runtime {

// One OCI runtime state (runc's <state-dir>/<id>/state.json), as the runtime wrote it on
// the host.
struct RuntimeState {
    std::string id;      // the state directory's entry: the runtime's container ID
    std::string bundle;  // the OCI bundle directory, from the state's "bundle=" label
    long long init_pid = 0;
    nlohmann::json state;
};

// `paths.state_dirs` with each last component "*" replaced by the directories present
// there (under `paths.host_root`; the results are without it).
std::vector<std::string> state_directories(const RuntimePaths& paths);

// The bundle a runc state names in its config labels ("bundle=/path"), or "".
std::string bundle_of_state(const nlohmann::json& state);

// True when the state's init process is alive, is the same process (pid and start time:
// not a later one with the reused pid) and has the root filesystem `root_dev` (the
// overlay's kernel s_dev).
bool init_runs_in(const nlohmann::json& state, std::uint32_t root_dev, const std::string& proc);

// The runtime state, among `paths.state_dirs`, whose init process has the root `root_dev`.
// This finds containers whose cgroup path carries no 64-digit ID (`ctr run NAME`,
// containerd's namespaces, BuildKit steps): the match is on the kernel's own view of the
// process, never on a name the container could choose.
std::optional<RuntimeState> find_state_by_root(const RuntimePaths& paths, std::uint32_t root_dev,
                                               const std::string& proc = "/proc");

// The parent pid (field 4 of /proc/<pid>/stat) and start time (field 22) of `pid`.
struct ProcessStat {
    long long parent = 0;
    unsigned long long start_time = 0;
};
std::optional<ProcessStat> process_stat(const std::string& proc, long long pid);

}  // namespace driftguard::runtime
