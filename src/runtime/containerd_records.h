#pragma once

#include <map>
#include <optional>
#include <string>

namespace driftguard::runtime {

// Where containerd keeps a container: its namespace, from the task bundle path
// (<state>/io.containerd.runtime.v2.task/<namespace>/<id>), and the daemon's socket, from
// the command line of the shim that is the container's init's parent
// (`containerd-shim-runc-v2 -namespace NS -id ID -address SOCKET`). Both are host state
// the container cannot write.
struct ContainerdTask {
    std::string name_space;
    std::string address;
};
std::optional<ContainerdTask> containerd_task_of(const std::string& bundle, const std::string& id,
                                                 long long init_pid, const std::string& proc);

// What containerd's metadata store holds of a container and its image (`ctr containers
// info`, `ctr images ls`): containerd keeps it in its own database, and its CLI is the
// supported way to read it.
struct ContainerdRecord {
    std::string image_name;
    std::string image_digest;
    std::map<std::string, std::string> labels;
};
std::optional<ContainerdRecord> ask_containerd(const ContainerdTask& task, const std::string& id);

// The DIGEST column of `ctr images ls` for the image named `image_name`, or "".
std::string digest_from_image_table(const std::string& table, const std::string& image_name);

}  // namespace driftguard::runtime
