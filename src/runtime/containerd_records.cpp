#include "runtime/containerd_records.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "runtime/runtime_state.h"
#include "runtime/state_files.h"

namespace driftguard::runtime {
namespace {

namespace fs = std::filesystem;
constexpr std::chrono::milliseconds kCtrTimeout{3000};

std::vector<std::string> command_line_of(const std::string& proc, long long pid) {
    std::ifstream file(proc + "/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::vector<std::string> argv;
    std::string arg;
    while (std::getline(file, arg, '\0')) {
        argv.push_back(arg);
    }
    return argv;
}

// The value after `flag` (or in `flag=value`) in `argv`, or "".
std::string flag_value(const std::vector<std::string>& argv, const std::string& flag) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if (argv[i] == flag && i + 1 < argv.size()) {
            return argv[i + 1];
        }
        if (argv[i].starts_with(flag + "=")) {
            return argv[i].substr(flag.size() + 1);
        }
    }
    return {};
}

}  // namespace

std::optional<ContainerdTask> containerd_task_of(const std::string& bundle, const std::string& id,
                                                 long long init_pid, const std::string& proc) {
    const fs::path path(bundle);
    if (path.filename() != id ||
        path.parent_path().parent_path().filename() != "io.containerd.runtime.v2.task") {
        return std::nullopt;
    }
    ContainerdTask task{.name_space = path.parent_path().filename()};
    // The shim is the init's parent once `runc create` has exited, its grandparent before.
    long long pid = init_pid;
    for (int level = 0; level < 2 && pid > 0; ++level) {
        const auto stat = process_stat(proc, pid);
        if (!stat) {
            break;
        }
        pid = stat->parent;
        const auto shim = command_line_of(proc, pid);
        if (!shim.empty() && fs::path(shim[0]).filename().string().starts_with("containerd-shim") &&
            flag_value(shim, "-id") == id && flag_value(shim, "-namespace") == task.name_space) {
            task.address = flag_value(shim, "-address");
            break;
        }
    }
    return task;
}

std::string digest_from_image_table(const std::string& table, const std::string& image_name) {
    std::istringstream lines(table);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream columns(line);
        std::string reference, type, digest;
        if (columns >> reference >> type >> digest && reference == image_name &&
            digest.starts_with("sha256:")) {
            return digest;
        }
    }
    return {};
}

std::optional<ContainerdRecord> ask_containerd(const ContainerdTask& task, const std::string& id) {
    std::vector<std::string> ctr = {"ctr"};
    if (!task.address.empty()) {
        ctr.insert(ctr.end(), {"--address", task.address});
    }
    ctr.insert(ctr.end(), {"--namespace", task.name_space});
    auto info_command = ctr;
    info_command.insert(info_command.end(), {"containers", "info", id});
    const auto info = run_for_output(info_command, kCtrTimeout);
    if (!info) {
        return std::nullopt;
    }
    const auto container = nlohmann::json::parse(*info, nullptr, false);
    if (!container.is_object() || string_at(container, "ID") != id) {
        return std::nullopt;
    }
    ContainerdRecord record{.image_name = string_at(container, "Image"),
                            .labels = string_members(member(container, "Labels"))};
    if (!record.image_name.empty()) {
        auto images_command = ctr;
        images_command.insert(images_command.end(), {"images", "ls", "name==" + record.image_name});
        if (const auto table = run_for_output(images_command, kCtrTimeout)) {
            record.image_digest = digest_from_image_table(*table, record.image_name);
        }
    }
    return record;
}

}  // namespace driftguard::runtime
