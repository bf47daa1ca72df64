#include "runtime/state_files.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace driftguard::runtime {
namespace {

// State and record files are small; a larger one is not what we expect and is skipped.
constexpr std::size_t kMaxStateFile = 32U << 20;

}  // namespace

nlohmann::json read_state_json(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
        static_cast<std::size_t>(info.st_size) > kMaxStateFile) {
        return nullptr;
    }
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return nlohmann::json::parse(text.str(), nullptr, false);
}

std::string string_at(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) {
        return {};
    }
    auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

nlohmann::json member(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) {
        return nullptr;
    }
    auto found = object.find(key);
    return found == object.end() ? nlohmann::json() : *found;
}

std::map<std::string, std::string> string_members(const nlohmann::json& object) {
    std::map<std::string, std::string> strings;
    if (!object.is_object()) {
        return strings;
    }
    for (const auto& [key, value] : object.items()) {
        if (value.is_string()) {
            strings[key] = value.get<std::string>();
        }
    }
    return strings;
}

}  // namespace driftguard::runtime
