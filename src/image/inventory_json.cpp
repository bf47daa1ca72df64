#include "image/inventory_json.h"

#include <fmt/format.h>

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

}  // namespace driftguard::image
