#include "runtime/runtime_state.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/kernel_dev.h"
#include "runtime/state_files.h"

namespace driftguard::runtime {
namespace fs = std::filesystem;

std::vector<std::string> state_directories(const RuntimePaths& paths) {
    std::vector<std::string> directories;
    for (const auto& dir : paths.state_dirs) {
        if (!dir.ends_with("/*")) {
            directories.push_back(dir);
            continue;
        }
        const std::string parent = dir.substr(0, dir.size() - 2);
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(paths.host_root + parent, error)) {
            if (entry.is_directory(error) && !entry.is_symlink(error)) {
                directories.push_back(parent + "/" + entry.path().filename().string());
            }
        }
    }
    return directories;
}

std::string bundle_of_state(const nlohmann::json& state) {
    const auto labels = member(member(state, "config"), "labels");
    for (const auto& label : labels.is_array() ? labels : nlohmann::json::array()) {
        if (label.is_string() && label.get<std::string>().starts_with("bundle=")) {
            return label.get<std::string>().substr(7);
        }
    }
    return {};
}

std::optional<ProcessStat> process_stat(const std::string& proc, long long pid) {
    std::ifstream file(proc + "/" + std::to_string(pid) + "/stat");
    std::stringstream text;
    text << file.rdbuf();
    const std::string stat = text.str();
    // The command name (field 2) may hold spaces and parentheses: fields resume after the
    // last ')'.
    const auto after_name = stat.rfind(')');
    if (after_name == std::string::npos || after_name + 2 > stat.size()) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(after_name + 2));
    std::string field;
    ProcessStat result;
    bool have_parent = false;
    for (int index = 3; fields >> field; ++index) {
        const bool numeric =
            !field.empty() && field.find_first_not_of("0123456789") == std::string::npos;
        if (index == 4) {
            if (!numeric) {
                return std::nullopt;
            }
            result.parent = std::stoll(field);
            have_parent = true;
        } else if (index == 22) {
            if (!numeric || !have_parent) {
                return std::nullopt;
            }
            result.start_time = std::stoull(field);
            return result;
        }
    }
    return std::nullopt;
}

bool init_runs_in(const nlohmann::json& state, std::uint32_t root_dev, const std::string& proc) {
    const auto pid = member(state, "init_process_pid");
    const auto start = member(state, "init_process_start");
    if (!pid.is_number_integer() || pid.get<long long>() <= 0 || !start.is_number_unsigned()) {
        return false;
    }
    const auto stat = process_stat(proc, pid.get<long long>());
    if (!stat || stat->start_time != start.get<unsigned long long>()) {
        return false;
    }
    struct stat root {};
    const std::string root_path = proc + "/" + std::to_string(pid.get<long long>()) + "/root/";
    return ::stat(root_path.c_str(), &root) == 0 && kernel_dev(root.st_dev) == root_dev;
}

std::optional<RuntimeState> find_state_by_root(const RuntimePaths& paths, std::uint32_t root_dev,
                                               const std::string& proc) {
    for (const auto& dir : state_directories(paths)) {
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(paths.host_root + dir, error)) {
            auto state = read_state_json(entry.path() / "state.json");
            if (!state.is_object() || !init_runs_in(state, root_dev, proc)) {
                continue;
            }
            std::string bundle = bundle_of_state(state);
            const auto init_pid = member(state, "init_process_pid").get<long long>();
            return RuntimeState{.id = entry.path().filename(),
                                .bundle = std::move(bundle),
                                .init_pid = init_pid,
                                .state = std::move(state)};
        }
    }
    return std::nullopt;
}

}  // namespace driftguard::runtime
