#include "runtime/docker_records.h"

#include <filesystem>

#include "runtime/state_files.h"

namespace driftguard::runtime {
namespace {

namespace fs = std::filesystem;

// <data-root>/containers/<id> from the bundle's /etc/hostname mount, or "".
std::string record_dir_of(const nlohmann::json& bundle_config, const std::string& id) {
    const auto mounts = member(bundle_config, "mounts");
    for (const auto& mount : mounts.is_array() ? mounts : nlohmann::json::array()) {
        if (string_at(mount, "destination") != "/etc/hostname") {
            continue;
        }
        const fs::path source(string_at(mount, "source"));
        const fs::path dir = source.parent_path();
        if (source.is_absolute() && source.filename() == "hostname" && dir.filename() == id &&
            dir.parent_path().filename() == "containers") {
            return dir.string();
        }
    }
    return {};
}

// The registry digest ("repo@sha256:...") that dockerd's image store maps to `image_id`.
std::string digest_of(const std::string& repositories_path, const std::string& image_id) {
    const auto repositories = member(read_state_json(repositories_path), "Repositories");
    if (!repositories.is_object()) {
        return {};
    }
    for (const auto& [repository, references] : repositories.items()) {
        if (!references.is_object()) {
            continue;
        }
        for (const auto& [reference, id] : references.items()) {
            if (reference.find("@sha256:") != std::string::npos && id.is_string() &&
                id.get<std::string>() == image_id) {
                return reference;
            }
        }
    }
    return {};
}

bool is_classic_build_step(const nlohmann::json& config, const nlohmann::json& host_config) {
    const auto run_config = member(config, "Config");
    const auto health_test = member(member(run_config, "Healthcheck"), "Test");
    const bool health_check_removed = health_test.is_array() && health_test.size() == 1 &&
                                      health_test[0].is_string() &&
                                      health_test[0].get<std::string>() == "NONE";
    return string_at(run_config, "Image").starts_with("sha256:") && health_check_removed &&
           string_at(member(host_config, "LogConfig"), "Type") == "none";
}

}  // namespace

std::optional<DockerRecord> read_docker_record(const std::string& host_root,
                                               const nlohmann::json& bundle_config,
                                               const std::string& id) {
    const std::string dir = record_dir_of(bundle_config, id);
    if (dir.empty()) {
        return std::nullopt;
    }
    const auto config = read_state_json(host_root + dir + "/config.v2.json");
    if (!config.is_object() || string_at(config, "ID") != id) {
        return std::nullopt;
    }
    DockerRecord record;
    record.name = string_at(config, "Name");
    if (record.name.starts_with("/")) {
        record.name.erase(0, 1);
    }
    const auto run_config = member(config, "Config");
    record.image_name = string_at(run_config, "Image");
    record.image_id = string_at(config, "Image");
    record.labels = string_members(member(run_config, "Labels"));
    const std::string data_root = fs::path(dir).parent_path().parent_path().string();
    const std::string driver = string_at(config, "Driver");
    if (!driver.empty() && driver.find('/') == std::string::npos && !driver.starts_with(".")) {
        record.image_digest = digest_of(
            host_root + data_root + "/image/" + driver + "/repositories.json", record.image_id);
    }
    record.classic_build_step =
        is_classic_build_step(config, read_state_json(host_root + dir + "/hostconfig.json"));
    return record;
}

}  // namespace driftguard::runtime
