#include "cli/scan_command.h"

#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/exit_codes.h"
#include "cli/scan_table.h"
#include "image/image_error.h"
#include "image/image_scanner.h"
#include "image/inventory_json.h"

namespace driftguard::cli {
namespace {

struct ScanArguments {
    std::string image;
    std::string format = "table";
    bool json = false;
    std::string output;
    image::ScanOptions options;
};

int run_scan(const ScanArguments& arguments) {
    const std::string format = arguments.json ? "json" : arguments.format;
    image::Inventory inventory;
    try {
        auto source = image::open_image(arguments.image, arguments.options);
        inventory = image::scan_image(*source, arguments.options.limits);
    } catch (const image::ImageError& error) {
        fmt::print(stderr, "driftguard scan: {}\n", error.what());
        return kExitImageError;
    }

    std::ofstream file;
    if (!arguments.output.empty()) {
        file.open(arguments.output, std::ios::out | std::ios::trunc);
        if (!file) {
            fmt::print(stderr, "driftguard scan: cannot write {}\n", arguments.output);
            return kExitFailure;
        }
    }
    std::ostream& out = arguments.output.empty() ? std::cout : file;
    if (format == "json") {
        out << image::inventory_to_json(inventory).dump(2) << '\n';
    } else if (format == "cyclonedx") {
        out << image::inventory_to_cyclonedx(inventory, DRIFTGUARD_VERSION).dump(2) << '\n';
    } else {
        print_scan_table(inventory, out);
    }
    out.flush();
    if (!out) {
        fmt::print(stderr, "driftguard scan: writing the report failed\n");
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace

void add_scan_command(CLI::App& app, int& exit_code) {
    auto arguments = std::make_shared<ScanArguments>();
    CLI::App* scan = app.add_subcommand(
        "scan", "List every executable of an image (path, kind, SHA-256, layer)");
    scan->add_option("image", arguments->image,
                     "oci:PATH[:REF] | oci-archive:PATH[:REF] | docker-archive:PATH[:NAME] | "
                     "containers-storage:NAME | rootfs:PATH | a path | an image ID")
        ->required();
    scan->add_option("--format", arguments->format, "Output: table, json or cyclonedx")
        ->check(CLI::IsMember({"table", "json", "cyclonedx"}));
    scan->add_flag("--json", arguments->json, "Same as --format json");
    scan->add_option("-o,--output", arguments->output,
                     "Write the report to FILE instead of stdout");
    scan->add_option("--storage-root", arguments->options.storage_root, "containers-storage root")
        ->capture_default_str();
    scan->add_option("--platform", arguments->options.platform,
                     "os/arch[/variant] to pick from a multi-platform index (default: the host's)");
    scan->add_option("--max-entries", arguments->options.limits.max_entries,
                     "Most paths an image may hold")
        ->capture_default_str();
    scan->add_option("--max-layer-bytes", arguments->options.limits.max_layer_bytes,
                     "Most uncompressed bytes one layer may expand to")
        ->capture_default_str();
    scan->add_option("--max-expansion-ratio", arguments->options.limits.max_expansion_ratio,
                     "Most uncompressed:compressed ratio a layer may reach past its first 256 MiB")
        ->capture_default_str();
    scan->callback([arguments, &exit_code] { exit_code = run_scan(*arguments); });
}

}  // namespace driftguard::cli
