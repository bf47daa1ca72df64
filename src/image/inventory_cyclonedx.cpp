// CycloneDX 1.5 BOM of an inventory: the image as the subject, every executable a
// "file" component with its SHA-256, so SBOM tools ingest what driftguard saw.
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <random>

#include "common/sha256.h"
#include "common/utc_time.h"
#include "image/inventory_json.h"

namespace driftguard::image {
namespace {

std::string octal_mode(std::uint32_t mode) {
    return fmt::format("{:04o}", mode & 07777);
}

// A random (version 4) UUID for the BOM serial number.
std::string random_uuid() {
    std::random_device device;
    std::uniform_int_distribution<int> byte(0, 255);
    std::array<int, 16> bytes{};
    for (int& value : bytes) {
        value = byte(device);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            text += '-';
        }
        text += fmt::format("{:02x}", bytes[i]);
    }
    return text;
}

}  // namespace

nlohmann::json inventory_to_cyclonedx(const Inventory& inventory, const std::string& tool_version) {
    const ImageInfo& image = inventory.image;
    nlohmann::json components = nlohmann::json::array();
    for (const auto& executable : inventory.executables) {
        const ContentFacts& content = *executable.content;
        nlohmann::json properties = nlohmann::json::array({
            {{"name", "driftguard:kind"}, {"value", to_string(content.kind)}},
            {{"name", "driftguard:mode"}, {"value", octal_mode(executable.mode)}},
            {{"name", "driftguard:size"}, {"value", std::to_string(content.size)}},
        });
        if (!content.interpreter.empty()) {
            properties.push_back(
                {{"name", "driftguard:interpreter"}, {"value", content.interpreter}});
        }
        if (executable.layer_index < inventory.layers.size() &&
            !inventory.layers[executable.layer_index].digest.empty()) {
            properties.push_back({{"name", "driftguard:layer"},
                                  {"value", inventory.layers[executable.layer_index].digest}});
        }
        components.push_back({
            {"type", "file"},
            {"bom-ref", "file:" + executable.path},
            {"name", executable.path},
            {"hashes",
             nlohmann::json::array({{{"alg", "SHA-256"}, {"content", to_hex(content.sha256)}}})},
            {"properties", properties},
        });
    }
    nlohmann::json subject = {{"type", "container"},
                              {"bom-ref", "image"},
                              {"name", image.name.empty() ? image.reference : image.name}};
    if (!image.config_digest.empty()) {
        subject["version"] = image.config_digest;
    }
    return {
        {"bomFormat", "CycloneDX"},
        {"specVersion", "1.5"},
        {"serialNumber", "urn:uuid:" + random_uuid()},
        {"version", 1},
        {"metadata",
         {{"timestamp", utc_seconds(std::chrono::system_clock::now())},
          {"tools",
           {{"components",
             nlohmann::json::array(
                 {{{"type", "application"}, {"name", "driftguard"}, {"version", tool_version}}})}}},
          {"component", subject}}},
        {"components", components},
    };
}

}  // namespace driftguard::image
