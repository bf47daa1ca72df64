#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace driftguard::image {

// Parses JSON from an image file; ImageError naming `where` if it is not JSON.
nlohmann::json parse_image_json(const std::string& text, const std::string& where);

// Typed access to a required member; ImageError naming `where` and the key otherwise.
const nlohmann::json& require_member(const nlohmann::json& object, std::string_view key,
                                     const std::string& where);
std::string require_string(const nlohmann::json& object, std::string_view key,
                           const std::string& where);
std::uint64_t require_size(const nlohmann::json& object, std::string_view key,
                           const std::string& where);
// A member that may be absent; wrong type is still an error.
std::string optional_string(const nlohmann::json& object, std::string_view key,
                            const std::string& where);

}  // namespace driftguard::image
