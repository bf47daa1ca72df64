#include "cli/scan_table.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>

#include "common/sha256.h"

namespace driftguard::cli {
namespace {

std::string human_size(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "K", "M", "G", "T"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(kUnits)) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{}B", bytes) : fmt::format("{:.1f}{}", value, kUnits[unit]);
}

std::string short_digest(const std::string& digest) {
    std::string hex = digest.starts_with("sha256:") ? digest.substr(7) : digest;
    return hex.substr(0, 12);
}

}  // namespace

void print_scan_table(const image::Inventory& inventory, std::ostream& out) {
    std::size_t path_width = 4;
    for (const auto& executable : inventory.executables) {
        path_width = std::max(path_width, executable.path.size());
    }
    path_width = std::min<std::size_t>(path_width, 60);
    fmt::print(out, "{:<{}}  {:<17}  {:<4}  {:>7}  {:<12}  {:<12}  {}\n", "PATH", path_width,
               "KIND", "MODE", "SIZE", "SHA256", "LAYER", "INTERPRETER");
    std::size_t elf = 0;
    std::size_t scripts = 0;
    for (const auto& executable : inventory.executables) {
        const auto& content = *executable.content;
        const std::string& layer = executable.layer_index < inventory.layers.size()
                                       ? inventory.layers[executable.layer_index].digest
                                       : std::string();
        fmt::print(out, "{:<{}}  {:<17}  {:04o}  {:>7}  {:<12}  {:<12}  {}\n", executable.path,
                   path_width, image::to_string(content.kind), executable.mode,
                   human_size(content.size), to_hex(content.sha256).substr(0, 12),
                   layer.empty() ? "-" : short_digest(layer), content.interpreter);
        elf += content.kind != image::ExecutableKind::script &&
               content.kind != image::ExecutableKind::other;
        scripts += content.kind == image::ExecutableKind::script;
    }
    const auto& image = inventory.image;
    const std::size_t total = inventory.executables.size();
    fmt::print(
        out, "{} executables ({} ELF, {} scripts, {} other) in {} layer{} of {}{}\n", total, elf,
        scripts, total - elf - scripts, inventory.layers.size(),
        inventory.layers.size() == 1 ? "" : "s", image.name.empty() ? image.reference : image.name,
        image.config_digest.empty() ? "" : fmt::format(" ({})", short_digest(image.config_digest)));
}

}  // namespace driftguard::cli
