#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace driftguard::runtime {

// A runtime's JSON state or record file, or null when it is missing, not a regular file,
// larger than state files ever are, or not JSON.
nlohmann::json read_state_json(const std::string& path);

// The string member `key` of `object`, or "" when `object` is not an object or the member
// is missing or not a string.
std::string string_at(const nlohmann::json& object, const char* key);

// The member `key` of `object`, or null when `object` is not an object or lacks it.
nlohmann::json member(const nlohmann::json& object, const char* key);

// The string-valued members of `object` (labels, annotations), or none when it is not an
// object; members of other types are left out.
std::map<std::string, std::string> string_members(const nlohmann::json& object);

}  // namespace driftguard::runtime
