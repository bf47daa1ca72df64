#include "image/inventory_json.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <random>

#include "common/sha256.h"

namespace driftguard::image {
namespace {

std::string octal_mode(std::uint32_t mode) {
    return fmt::format("{:04o}", mode & 07777);
}

nlohmann::json layer_to_json(const LayerInfo& layer) {
    return {{"digest", layer.digest},
            {"diff_id", layer.diff_id},
            {"media_type", layer.media_type},
            {"size", layer.size},
            {"compression", layer.compression}};
}

nlohmann::json executable_to_json(const Executable& executable, const Inventory& inventory) {
    const ContentFacts& content = *executable.content;
    nlohmann::json json = {
        {"path", executable.path},
        {"mode", octal_mode(executable.mode)},
        {"uid", executable.uid},
        {"gid", executable.gid},
        {"size", content.size},
        {"sha256", to_hex(content.sha256)},
        {"kind", to_string(content.kind)},
        {"layer", executable.layer_index < inventory.layers.size()
                      ? inventory.layers[executable.layer_index].digest
                      : std::string()},
        {"layer_index", executable.layer_index},
    };
    if (content.linkage != Linkage::not_applicable) {
        json["linkage"] = to_string(content.linkage);
    }
    if (!content.interpreter.empty()) {
        json["interpreter"] = content.interpreter;
    }
    if (!content.machine.empty()) {
        json["machine"] = content.machine;
    }
    return json;
}

std::string utc_timestamp() {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
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

nlohmann::json inventory_to_json(const Inventory& inventory) {
    const ImageInfo& image = inventory.image;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : inventory.layers) {
        layers.push_back(layer_to_json(layer));
    }
    nlohmann::json executables = nlohmann::json::array();
    std::uint64_t elf = 0;
    std::uint64_t scripts = 0;
    for (const auto& executable : inventory.executables) {
        executables.push_back(executable_to_json(executable, inventory));
        ExecutableKind kind = executable.content->kind;
        elf += kind != ExecutableKind::script && kind != ExecutableKind::other ? 1 : 0;
        scripts += kind == ExecutableKind::script ? 1 : 0;
    }
    return {
        {"schema", kScanSchema},
        {"image",
         {{"reference", image.reference},
          {"format", to_string(image.format)},
          {"name", image.name},
          {"manifest_digest", image.manifest_digest},
          {"config_digest", image.config_digest},
          {"os", image.os},
          {"architecture", image.architecture}}},
        {"layers", layers},
        {"executables", executables},
        {"summary",
         {{"executables", inventory.executables.size()},
          {"elf", elf},
          {"scripts", scripts},
          {"other", inventory.executables.size() - elf - scripts},
          {"paths", inventory.paths},
          {"symlinks", inventory.symlinks},
          {"layer_entries", inventory.stats.entries},
          {"whiteouts", inventory.stats.whiteouts},
          {"bytes_hashed", inventory.stats.bytes_hashed}}},
    };
}

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
         {{"timestamp", utc_timestamp()},
          {"tools",
           {{"components",
             nlohmann::json::array(
                 {{{"type", "application"}, {"name", "driftguard"}, {"version", tool_version}}})}}},
          {"component", subject}}},
        {"components", components},
    };
}

}  // namespace driftguard::image
