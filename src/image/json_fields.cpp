#include "image/json_fields.h"

#include <fmt/format.h>

#include "image/image_error.h"

namespace driftguard::image {

nlohmann::json parse_image_json(const std::string& text, const std::string& where) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        throw ImageError(fmt::format("{}: not valid JSON (byte {})", where, error.byte));
    }
}

const nlohmann::json& require_member(const nlohmann::json& object, std::string_view key,
                                     const std::string& where) {
    if (!object.is_object()) {
        throw ImageError(fmt::format("{}: expected a JSON object", where));
    }
    auto found = object.find(key);
    if (found == object.end()) {
        throw ImageError(fmt::format("{}: missing \"{}\"", where, key));
    }
    return *found;
}

std::string require_string(const nlohmann::json& object, std::string_view key,
                           const std::string& where) {
    const auto& value = require_member(object, key, where);
    if (!value.is_string()) {
        throw ImageError(fmt::format("{}: \"{}\" is not a string", where, key));
    }
    return value.get<std::string>();
}

std::uint64_t require_size(const nlohmann::json& object, std::string_view key,
                           const std::string& where) {
    const auto& value = require_member(object, key, where);
    if (!value.is_number_unsigned()) {
        throw ImageError(fmt::format("{}: \"{}\" is not a non-negative integer", where, key));
    }
    return value.get<std::uint64_t>();
}

std::string optional_string(const nlohmann::json& object, std::string_view key,
                            const std::string& where) {
    if (!object.is_object()) {
        throw ImageError(fmt::format("{}: expected a JSON object", where));
    }
    auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
        return {};
    }
    if (!found->is_string()) {
        throw ImageError(fmt::format("{}: \"{}\" is not a string", where, key));
    }
    return found->get<std::string>();
}

}  // namespace driftguard::image
