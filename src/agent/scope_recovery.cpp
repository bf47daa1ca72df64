#include "agent/scope_recovery.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "common/kernel_dev.h"
#include "common/unique_fd.h"

namespace driftguard::agent {
namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Programs of the container runtimes, which join a container's cgroup before its root.
bool is_runtime_process(const std::string& proc_pid) {
    std::error_code error;
    const std::string exe = std::filesystem::read_symlink(proc_pid + "/exe", error).string();
    for (const char* runtime : {"runc", "crun", "conmon", "containerd-shim", "podman"}) {
        if (exe.find(runtime) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::size_t recover_escaped_processes(kernel::Sensor& sensor,
                                      const std::map<std::uint32_t, runtime::ContainerRoot>& roots,
                                      const std::string& proc) {
    // Cgroups shared with the host (the agent's, init's) identify nothing.
    const std::string own = read_text(proc + "/self/cgroup");
    const std::string init = read_text(proc + "/1/cgroup");
    std::map<std::string, std::uint32_t> container_of_cgroup;
    for (const auto& [dev, root] : roots) {
        const std::string cgroup = read_text(proc + "/" + std::to_string(root.pid) + "/cgroup");
        if (!cgroup.empty() && cgroup != own && cgroup != init) {
            container_of_cgroup.emplace(cgroup, dev);
        }
    }
    std::size_t recorded = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(proc, error)) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const std::string proc_pid = entry.path().string();
        auto container = container_of_cgroup.find(read_text(proc_pid + "/cgroup"));
        if (container == container_of_cgroup.end()) {
            continue;
        }
        struct stat root {};
        if (::stat((proc_pid + "/root").c_str(), &root) == 0 &&
            kernel_dev(root.st_dev) == container->second) {
            continue;  // still in the container's root: the kernel recognises it by itself
        }
        if (is_runtime_process(proc_pid)) {
            continue;
        }
        UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(name), 0)));
        if (!pidfd) {
            continue;  // exited meanwhile
        }
        const auto known = sensor.container_of_task(pidfd.get());
        if (known && *known != 0) {
            continue;
        }
        if (auto placed = sensor.place_in_container(pidfd.get(), container->second,
                                                    roots.at(container->second).identity);
            !placed) {
            spdlog::warn("process {}: cannot record it as container {}'s: {}", name,
                         container->second, placed.error().message);
            continue;
        }
        spdlog::info(
            "process {} left container {}'s root before the sensor loaded: recorded as "
            "that container's",
            name, container->second);
        ++recorded;
    }
    return recorded;
}

}  // namespace driftguard::agent
